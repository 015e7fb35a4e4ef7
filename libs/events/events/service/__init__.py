"""The service kit: settings, auth, problem+json, logs/traces/metrics, health, runtime, app factory."""
