"""The audit log's settings (a malformed key refuses start-up without quoting it) and the
checkpoint policy that lets a quiet log rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from events.audit.note import Signer
from events.audit.service import QuietPolicy
from events.service.settings import ServiceSettings

KEY = Signer.generate("guichet-intake")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_log_runs_when_a_key_is_set_from_the_environment_or_a_file(tmp_path: Path) -> None:
    assert ServiceSettings().audit_signer is None
    assert ServiceSettings(audit_key=KEY.text()).audit_signer == KEY
    path = tmp_path / "audit.key"
    path.write_text(KEY.text() + "\n")
    assert ServiceSettings(audit_key_file=path).audit_signer == KEY
    assert ServiceSettings(audit_key=KEY.text(), audit_enabled=False).audit_signer is None


def test_a_malformed_or_missing_key_is_refused_without_quoting_it(tmp_path: Path) -> None:
    broken = KEY.text()[:-6] + "AAAAAA"
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(audit_key=broken[: len(broken) // 2])
    assert "GUICHET_AUDIT_KEY is not an Ed25519 signer key" in str(refused.value)
    assert broken[len("PRIVATE+KEY+") : len(broken) // 2][-10:] not in str(refused.value)
    with pytest.raises(ValidationError, match="GUICHET_AUDIT_KEY_FILE cannot be read"):
        ServiceSettings(audit_key_file=tmp_path / "missing.key")
    with pytest.raises(ValidationError, match="GUICHET_AUDIT_ENABLED needs"):
        ServiceSettings(audit_enabled=True)


def test_peer_log_keys_are_parsed_by_origin_and_a_malformed_one_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    peer = Signer.generate("guichet-sla-clock").verifier()
    monkeypatch.setenv("GUICHET_AUDIT_PEER_KEYS", f'{{"guichet/sla-clock": "{peer.text()}"}}')
    assert ServiceSettings().audit_peer_verifiers == {"guichet/sla-clock": peer}
    assert ServiceSettings(audit_verify_full_every=3).audit_verify_full_every == 3
    with pytest.raises(ValidationError, match="GUICHET_AUDIT_PEER_KEYS holds a value that is not"):
        ServiceSettings(audit_peer_keys={"guichet/sla-clock": peer.text()[:-8]})


def test_only_new_business_events_make_a_checkpoint_due_on_time() -> None:
    policy = QuietPolicy(every_events=1000, every_seconds=1.0)
    later = T0 + timedelta(seconds=5)
    policy.pending = 0
    assert not policy.due(11, 10, later, T0)  # only the log's own CheckpointSigned since
    policy.pending = 1
    assert policy.due(11, 10, later, T0)
    assert not policy.due(11, 10, T0 + timedelta(seconds=0.5), T0)
    policy.pending = 0
    assert policy.due(1010, 10, T0, T0)  # every N events, whatever they are
