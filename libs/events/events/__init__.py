"""Guichet's shared event platform: catalogue, envelope, store, relay, consumers, service kit."""
