"""Master key refusals, data-key wrapping, category declarations and erased values."""

from __future__ import annotations

import base64
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.catalogue import ERASED, REGISTRY, DomainEvent
from events.envelope import Envelope, PiiMarker
from events.pii.sealing import SealBroken, associated_data, open_sealed, seal, sealed_key_id
from events.pii.wrapping import KeyUnwrapFailed, MasterKeyRefused, MasterKeyWrapper, load_master_key


def test_a_missing_master_key_is_refused_outside_the_embedded_default(tmp_path: Path):
    with pytest.raises(MasterKeyRefused, match="GUICHET_MASTER_KEY"):
        load_master_key(value=None, file=None, data_dir=tmp_path, embedded=False)


@pytest.mark.parametrize(
    "key",
    [b"short", bytes(32), b"ab" * 16, base64.b64encode(b"x" * 32)[:32]],
    ids=["short", "zeros", "pattern", "typed"],
)
def test_a_weak_master_key_is_refused(key: bytes, tmp_path: Path):
    with pytest.raises(MasterKeyRefused):
        load_master_key(value=base64.b64encode(key).decode(), file=None, data_dir=tmp_path, embedded=True)
    with pytest.raises(MasterKeyRefused):
        MasterKeyWrapper(key)


def test_the_embedded_default_generates_one_master_key_kept_private(tmp_path: Path):
    first = load_master_key(value=None, file=None, data_dir=tmp_path, embedded=True)
    again = load_master_key(value=None, file=None, data_dir=tmp_path, embedded=True)
    assert first == again and len(first) == 32
    assert stat.S_IMODE((tmp_path / "master.key").stat().st_mode) == 0o600


def test_a_master_key_file_is_read(tmp_path: Path):
    key = secrets.token_bytes(32)
    (tmp_path / "key").write_text(base64.b64encode(key).decode() + "\n")
    assert load_master_key(value=None, file=tmp_path / "key", data_dir=None, embedded=False) == key


def test_a_data_key_wrapped_by_one_master_key_does_not_unwrap_with_another():
    data_key = secrets.token_bytes(32)
    wrapper = MasterKeyWrapper(secrets.token_bytes(32))
    wrapped = wrapper.wrap(data_key)
    assert wrapped != data_key and wrapper.unwrap(wrapped) == data_key
    with pytest.raises(KeyUnwrapFailed):
        MasterKeyWrapper(secrets.token_bytes(32)).unwrap(wrapped)
    assert "local-" in repr(wrapper) and wrapper.master_key_id not in {data_key.hex(), wrapped.hex()}


def test_a_sealed_value_opens_only_with_its_key_and_its_events_identity():
    cipher = AESGCM(secrets.token_bytes(32))
    event, stream = uuid4(), uuid4()
    sealed = seal(cipher, "k1", {"street": "1 rue de la Paix"}, associated_data(event, stream, "address"))
    assert sealed_key_id(sealed) == "k1" and "Paix" not in str(sealed)
    assert open_sealed(cipher, sealed, associated_data(event, stream, "address")) == {
        "street": "1 rue de la Paix"
    }
    for aad in (
        associated_data(uuid4(), stream, "address"),
        associated_data(event, uuid4(), "address"),
        associated_data(event, stream, "email"),
    ):
        with pytest.raises(SealBroken):
            open_sealed(cipher, sealed, aad)
    with pytest.raises(SealBroken):
        open_sealed(AESGCM(secrets.token_bytes(32)), sealed, associated_data(event, stream, "address"))


class Noted(
    DomainEvent,
    type="test.PiiUnitNoted",
    pii=("name", "notes", "tags", "when"),
    pii_category="billing",
    pii_categories={"notes": "complaint"},
):
    name: str
    notes: dict[str, str]
    tags: tuple[str, ...]
    when: str | None = None


def test_categories_default_per_event_with_per_field_exceptions():
    assert dict(Noted.pii_categories) == {
        "name": "billing",
        "notes": "complaint",
        "tags": "billing",
        "when": "billing",
    }


def test_an_unknown_category_is_refused_at_declaration():
    with pytest.raises(TypeError, match="categories"):

        class Wrong(DomainEvent, type="test.PiiUnitWrong", pii=("name",), pii_category="gossip"):
            name: str


def test_an_erased_field_reads_as_a_value_its_model_accepts():
    assert REGISTRY.erased_value("test.PiiUnitNoted", "when") is None
    assert REGISTRY.erased_value("test.PiiUnitNoted", "name") == ERASED
    assert REGISTRY.erased_value("test.PiiUnitNoted", "notes") == {}
    assert REGISTRY.erased_value("test.PiiUnitNoted", "tags") == ()


def test_a_reader_without_the_key_decodes_sealed_fields_as_erased():
    cipher = AESGCM(secrets.token_bytes(32))
    event, stream = uuid4(), uuid4()
    data = {
        "name": seal(cipher, "k", "Ada", associated_data(event, stream, "name")),
        "notes": {"a": "b"},
        "tags": ["x"],
        "when": None,
    }
    envelope = Envelope(
        id=event,
        source="/guichet/test",
        type="test.PiiUnitNoted",
        time=datetime(2026, 1, 1, tzinfo=UTC),
        stream_id=stream,
        stream_type="note",
        stream_version=1,
        schema_version=1,
        data=data,
        pii=PiiMarker(subject="s", fields=("name", "notes", "tags", "when"), key_id="k"),
    )
    assert envelope.decode() == Noted(name=ERASED, notes={"a": "b"}, tags=("x",))
    assert envelope.stored() is envelope and envelope.stored_data == data
