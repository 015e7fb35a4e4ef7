"""Approvals: the domain layer."""
