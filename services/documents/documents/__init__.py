"""Guichet Documents service."""
