"""Guichet Approvals service."""
