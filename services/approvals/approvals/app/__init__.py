"""Approvals: the app layer."""
