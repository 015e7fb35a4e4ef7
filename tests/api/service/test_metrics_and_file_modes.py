"""/metrics is documented as the Prometheus text it serves; database files are private."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from events.db import create_engine
from events.service.app import create_service_app
from events.service.runtime import ServiceDefinition
from events.service.settings import ServiceSettings

DEFINITION = ServiceDefinition(name="kit", context="kit", default_port=8099, title="Kit")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_metrics_are_documented_as_the_plain_text_they_serve(tmp_path: Path) -> None:
    app = create_service_app(DEFINITION, ServiceSettings(service="kit", data_dir=tmp_path, log_json=False))
    documented = app.openapi()["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(documented) == ["text/plain"]
    assert documented["text/plain"]["schema"] == {"type": "string"}
    with TestClient(app) as client:
        served = client.get("/metrics")
    assert served.headers["content-type"].split(";")[0] == "text/plain"
    assert "# TYPE guichet_http_request_seconds histogram" in served.text


def test_sqlite_files_and_the_directories_made_for_them_are_for_the_owner_only(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    database = shared / "data" / "nested" / "kit.db"

    async def write_once() -> None:
        engine = create_engine(f"sqlite:///{database}")
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
            files = {path.name: mode(path) for path in database.parent.iterdir()}
        await engine.dispose()
        assert files == {"kit.db": 0o600, "kit.db-wal": 0o600, "kit.db-shm": 0o600}

    asyncio.run(write_once())
    assert mode(shared / "data") == 0o700
    assert mode(shared / "data" / "nested") == 0o700
    assert mode(shared) == 0o755, "an existing directory is left as it is"


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    database = tmp_path / "kit.db"
    database.touch(mode=0o644)
    (tmp_path / "kit.db-wal").touch(mode=0o644)
    database.chmod(0o644)
    (tmp_path / "kit.db-wal").chmod(0o644)

    async def modes_once_open() -> tuple[int, int]:
        engine = create_engine(f"sqlite:///{database}")
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            modes = mode(database), mode(tmp_path / "kit.db-wal")
        await engine.dispose()
        return modes

    assert asyncio.run(modes_once_open()) == (0o600, 0o600)
