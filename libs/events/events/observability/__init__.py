"""Logs (structlog JSON), traces (OpenTelemetry) and metrics (Prometheus) for every service."""
