"""Approvals: the adapters layer."""
