"""``python -m <service>`` listens on ``GUICHET_PORT`` when set, on its declared port otherwise."""

from __future__ import annotations

import pytest

from events.service.app import settings_for
from events.service.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(name="kit", context="kit", default_port=8099, title="Kit")


def test_the_environment_port_wins_over_the_declared_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUICHET_PORT", "9123")
    assert settings_for(DEFINITION).port == 9123


def test_without_guichet_port_the_declared_port_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUICHET_PORT", raising=False)
    assert settings_for(DEFINITION).port == 8099


def test_an_explicit_port_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``make run`` gives each service its own port under ``GUICHET_BASE_PORT``."""
    monkeypatch.setenv("GUICHET_PORT", "9123")
    assert settings_for(DEFINITION, port=9200).port == 9200
