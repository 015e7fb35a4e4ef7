"""Approvals: the entrypoints layer."""
