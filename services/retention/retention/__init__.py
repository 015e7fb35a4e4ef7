"""Guichet Retention service."""
