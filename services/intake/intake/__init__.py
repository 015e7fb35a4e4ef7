"""Intake service: receives, qualifies and routes customer requests."""
