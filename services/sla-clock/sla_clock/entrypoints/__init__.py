"""Entry points of the SLA clock: HTTP routes (the intake consumer is wired in service.py)."""
