"""Intake entry points: the HTTP API (routers, schemas, error mapping)."""
