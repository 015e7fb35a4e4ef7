"""The subjects of key ids, as a consumer told of a purge's destroyed keys finds them."""

from __future__ import annotations

import secrets
from pathlib import Path

from events.db import create_engine
from events.migrations import upgrade_platform
from events.pii.keyring import Keyring
from events.pii.lookup import subjects_of_keys
from events.pii.purge import destroy_category
from events.pii.wrapping import MasterKeyWrapper


async def test_destroyed_key_ids_name_their_subjects_and_unknown_ids_nothing(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    await upgrade_platform(engine)
    keyring = Keyring(engine, MasterKeyWrapper(secrets.token_bytes(32)))
    try:
        live = await keyring.live_keys([("a", "contractual"), ("a", "billing"), ("b", "contractual")])
        destroyed = await destroy_category(keyring, ["a", "b"], "contractual")
        key_ids = [k for ids in destroyed.values() for k in ids] + ["unknown-key"]

        found = await subjects_of_keys(keyring, key_ids)

        assert found == {"a": destroyed["a"], "b": destroyed["b"]}
        assert live[("a", "billing")].key_id not in found["a"]
        assert await subjects_of_keys(keyring, []) == {}
    finally:
        await engine.dispose()
