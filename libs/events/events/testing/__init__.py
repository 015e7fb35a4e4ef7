"""Test support for Guichet: real PostgreSQL and Kafka servers for integration tests."""
