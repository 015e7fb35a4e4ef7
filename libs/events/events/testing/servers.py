"""Real PostgreSQL and Kafka servers for tests.

Each ``acquire_*`` function returns a handle to a running server, chosen in this order:

1. environment variables: ``GUICHET_TEST_DATABASE_URL`` (``postgresql://...``) and
   ``GUICHET_TEST_KAFKA_BOOTSTRAP`` (``host:port[,host:port]``); such servers are
   never stopped by us;
2. testcontainers, when a Docker engine answers ``docker.from_env().ping()``;
3. the local scripts ``deploy/local/postgres.sh`` and ``deploy/local/kafka.sh`` (no
   Docker needed), run in ``<repo>/.servers/pytest-<pid>/`` (override the parent with
   ``GUICHET_SERVERS_DIR``). A watcher started by the scripts stops the servers when
   this process dies without calling :meth:`ServerHandle.stop`.

``GUICHET_TEST_SERVERS=local`` or ``=testcontainers`` forces step 2 or 3 (default
``auto``). Any failure raises :class:`RuntimeError` with the reason and the script's
output or log tail: a missing server is never a silent skip.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "KafkaServer",
    "PostgresServer",
    "ServerHandle",
    "acquire_kafka",
    "acquire_postgres",
    "docker_available",
    "make_database",
    "to_asyncpg_dsn",
    "to_sqlalchemy_url",
]

REPO_ROOT = Path(__file__).resolve().parents[4]
LOCAL_SCRIPTS = REPO_ROOT / "deploy" / "local"
POSTGRES_IMAGE = "postgres:16-alpine"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.9.0"  # Confluent Platform 7.9 = Apache Kafka 3.9

# First Kafka start may resolve jars with Maven; first Postgres start may apt-get install.
_START_TIMEOUT_S = float(os.environ.get("GUICHET_SERVER_START_TIMEOUT", "600"))
_STOP_TIMEOUT_S = 90.0
_TAIL_CHARS = 4000


# --------------------------------------------------------------------------- handles


@dataclass
class ServerHandle:
    """A running server. ``origin`` is ``env``, ``testcontainers`` or ``local``."""

    origin: str
    _stopper: Callable[[], None] | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        """Stop the server if we started it; idempotent, no-op for ``env`` servers."""
        if self._stopped:
            return
        self._stopped = True
        if self._stopper is not None:
            self._stopper()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class PostgresServer(ServerHandle):
    """``url`` is a plain ``postgresql://`` URL (for asyncpg/psql)."""

    url: str = ""

    @property
    def sqlalchemy_url(self) -> str:
        """The same database as a ``postgresql+asyncpg://`` SQLAlchemy URL."""
        return to_sqlalchemy_url(self.url)


@dataclass
class KafkaServer(ServerHandle):
    bootstrap: str = ""


# --------------------------------------------------------------------------- URLs


def to_asyncpg_dsn(url: str) -> str:
    """``postgresql[+driver]://...`` or ``postgres://...`` -> ``postgresql://...``."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {url!r}")
    return urlunsplit(parts._replace(scheme="postgresql"))


def to_sqlalchemy_url(url: str) -> str:
    """``postgresql[+driver]://...`` -> ``postgresql+asyncpg://...``."""
    return urlunsplit(urlsplit(to_asyncpg_dsn(url))._replace(scheme="postgresql+asyncpg"))


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


async def make_database(base_url: str, name: str) -> str:
    """Create a fresh, empty database ``name`` on the server of ``base_url``.

    An existing database of that name is dropped first (its connections are closed).
    Returns ``base_url`` with its database replaced by ``name``, in the same scheme
    (so a ``postgresql+asyncpg://`` URL gives one back).
    """
    import asyncpg  # local import: only needed by tests that use PostgreSQL

    if not _DB_NAME.match(name):
        raise ValueError(f"invalid database name {name!r} (letters, digits, _; max 63)")
    conn = await asyncpg.connect(to_asyncpg_dsn(base_url), timeout=30)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _with_database(base_url, name)


# --------------------------------------------------------------------------- docker


_docker_state: tuple[bool, str] | None = None


def docker_available() -> tuple[bool, str]:
    """(True, "") when a Docker engine answers a ping, else (False, reason). Cached."""
    global _docker_state
    if _docker_state is None:
        try:
            import docker

            client = docker.from_env(timeout=5)
            try:
                client.ping()
            finally:
                client.close()
            _docker_state = (True, "")
        except Exception as exc:  # noqa: BLE001 - any failure means "no Docker"
            _docker_state = (False, f"{type(exc).__name__}: {exc}")
    return _docker_state


def _mode() -> str:
    mode = os.environ.get("GUICHET_TEST_SERVERS", "auto").strip().lower() or "auto"
    if mode not in ("auto", "local", "testcontainers"):
        raise RuntimeError(f"GUICHET_TEST_SERVERS={mode!r}: expected auto, local or testcontainers")
    return mode


def _use_testcontainers() -> bool:
    mode = _mode()
    if mode == "local":
        return False
    ok, reason = docker_available()
    if mode == "testcontainers" and not ok:
        raise RuntimeError(f"GUICHET_TEST_SERVERS=testcontainers but Docker is unavailable: {reason}")
    return ok


def _container_stopper(container: Any) -> Callable[[], None]:
    def stop() -> None:
        container.stop()

    return stop


def _postgres_container() -> PostgresServer:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # older testcontainers layout
        from testcontainers.postgres import PostgresContainer

    container = PostgresContainer(POSTGRES_IMAGE, dbname="guichet", driver=None)
    try:
        container.start()
        url = container.get_connection_url(driver=None)
    except Exception as exc:
        _quiet(container.stop)
        raise RuntimeError(f"PostgreSQL testcontainer ({POSTGRES_IMAGE}) failed: {exc}") from exc
    return PostgresServer(origin="testcontainers", url=url, _stopper=_container_stopper(container))


def _kafka_container() -> KafkaServer:
    try:
        from testcontainers.community.kafka import KafkaContainer
    except ImportError:
        from testcontainers.kafka import KafkaContainer

    container = KafkaContainer(KAFKA_IMAGE).with_kraft()
    try:
        container.start(timeout=120)
        bootstrap = container.get_bootstrap_server()
    except Exception as exc:
        _quiet(container.stop)
        raise RuntimeError(f"Kafka testcontainer ({KAFKA_IMAGE}) failed: {exc}") from exc
    return KafkaServer(origin="testcontainers", bootstrap=bootstrap, _stopper=_container_stopper(container))


# --------------------------------------------------------------------------- local scripts


_lock = threading.Lock()
_started: list[ServerHandle] = []
_session_dir: Path | None = None


def _servers_root() -> Path:
    """``GUICHET_SERVERS_DIR``, else ``.servers`` in the checkout, unless we are root and the
    checkout sits in a directory other users cannot enter (``mktemp -d`` makes one): PostgreSQL
    then runs as the ``postgres`` user, who could not reach its data, so a directory named after
    the checkout in the system's temporary directory serves instead."""
    configured = os.environ.get("GUICHET_SERVERS_DIR")
    if configured:
        return Path(configured)
    if os.geteuid() == 0 and not _enterable_by_others(REPO_ROOT):
        digest = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"guichet-servers-{digest}"
    return REPO_ROOT / ".servers"


def _enterable_by_others(path: Path) -> bool:
    return all(directory.stat().st_mode & stat.S_IXOTH for directory in (path, *path.parents))


def _pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _cleanup_stale(root: Path) -> None:
    """Remove ``pytest-<pid>`` dirs of dead processes (their watchers stopped the servers)."""
    for d in root.glob("pytest-*"):
        try:
            pid = int(d.name.split("-", 1)[1])
        except ValueError:
            continue
        if pid == os.getpid() or _pid_alive(pid):
            continue
        for script, sub in (("postgres.sh", "postgres"), ("kafka.sh", "kafka")):
            if (d / sub).is_dir():
                _quiet(
                    functools.partial(
                        _run_script, script, "stop", d / sub, timeout=_STOP_TIMEOUT_S, check=False
                    )
                )
        shutil.rmtree(d, ignore_errors=True)


def _session_path() -> Path:
    global _session_dir
    if _session_dir is None:
        root = _servers_root()
        root.mkdir(parents=True, exist_ok=True)
        _cleanup_stale(root)
        _session_dir = root / f"pytest-{os.getpid()}"
        _session_dir.mkdir(exist_ok=True)
    return _session_dir


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _TAIL_CHARS else "...\n" + text[-_TAIL_CHARS:]


def _file_tails(directory: Path, names: tuple[str, ...]) -> str:
    out = []
    for name in names:
        p = directory / name
        if p.is_file():
            try:
                out.append(f"--- {p} ---\n{_tail(p.read_text(errors='replace'))}")
            except OSError:
                pass
    return "\n".join(out)


def _run_script(
    script: str, command: str, directory: Path, *, timeout: float, check: bool = True
) -> subprocess.CompletedProcess[str]:
    path = LOCAL_SCRIPTS / script
    env = dict(os.environ, GUICHET_SERVER_OWNER_PID=str(os.getpid()))
    try:
        proc = subprocess.run(
            ["bash", str(path), command, str(directory)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
        raise RuntimeError(
            f"{path} {command} {directory} timed out after {timeout:.0f}s\n{_tail(stderr or '')}"
        ) from exc
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{path} {command} {directory} failed (exit {proc.returncode})\nstderr:\n{_tail(proc.stderr)}"
        )
    return proc


def _local_server(script: str, name: str, logs: tuple[str, ...]) -> tuple[str, Callable[[], None]]:
    directory = _session_path() / name
    try:
        proc = _run_script(script, "start", directory, timeout=_START_TIMEOUT_S)
    except RuntimeError as exc:
        # Stop whatever half-started, keep the directory for its logs.
        _quiet(
            functools.partial(_run_script, script, "stop", directory, timeout=_STOP_TIMEOUT_S, check=False)
        )
        tails = _file_tails(directory, logs)
        raise RuntimeError(f"local {name} server did not start: {exc}\n{tails}") from exc
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"{script} start printed nothing\nstderr:\n{_tail(proc.stderr)}")

    def stop() -> None:
        _run_script(script, "stop", directory, timeout=_STOP_TIMEOUT_S)
        shutil.rmtree(directory, ignore_errors=True)
        session = directory.parent
        if not any(session.iterdir()):
            session.rmdir()

    return lines[-1].strip(), stop


def _register(handle: ServerHandle) -> None:
    _started.append(handle)


@atexit.register
def _stop_all() -> None:
    """Last resort if fixtures did not stop their servers."""
    while _started:
        _quiet(_started.pop().stop)


def _quiet(fn: Callable[[], object]) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001
        pass


# --------------------------------------------------------------------------- public API


def acquire_postgres() -> PostgresServer:
    """A running PostgreSQL server with a database ``guichet``; call ``.stop()`` when done."""
    env_url = os.environ.get("GUICHET_TEST_DATABASE_URL", "").strip()
    if env_url:
        try:
            return PostgresServer(origin="env", url=to_asyncpg_dsn(env_url))
        except ValueError as exc:
            raise RuntimeError(f"GUICHET_TEST_DATABASE_URL: {exc}") from exc
    with _lock:
        if _use_testcontainers():
            handle = _postgres_container()
        else:
            url, stopper = _local_server("postgres.sh", "postgres", ("postgres.log",))
            handle = PostgresServer(origin="local", url=url, _stopper=stopper)
        _register(handle)
        return handle


def acquire_kafka() -> KafkaServer:
    """A running single-node Kafka broker; call ``.stop()`` when done."""
    env_bootstrap = os.environ.get("GUICHET_TEST_KAFKA_BOOTSTRAP", "").strip()
    if env_bootstrap:
        return KafkaServer(origin="env", bootstrap=env_bootstrap)
    with _lock:
        if _use_testcontainers():
            handle = _kafka_container()
        else:
            bootstrap, stopper = _local_server("kafka.sh", "kafka", ("kafka.out", "kafka.log"))
            handle = KafkaServer(origin="local", bootstrap=bootstrap, _stopper=stopper)
        _register(handle)
        return handle
