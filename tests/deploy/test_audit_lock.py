"""``make audit`` says plainly when it could not check the lock, and never reports "no known
vulnerabilities" for packages it did not look up."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_audit_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_lock", ROOT / "tools" / "audit_lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit_lock = load_audit_tool()
LOCK = ROOT / "requirements.lock"


def fake_pip_audit(report: dict[str, Any] | None, exit_code: int, stderr: str = "") -> list[str]:
    """A stand-in for pip-audit: writes ``report`` to the ``{report}`` path, then exits."""
    write = f"open(sys.argv[1], 'w').write({json.dumps(report)!r});" if report is not None else ""
    code = f"import sys; {write} sys.stderr.write({stderr!r}); sys.exit({exit_code})"
    return [sys.executable, "-c", code, "{report}"]


def dependency(name: str, **extra: object) -> dict[str, object]:
    return {"name": name, "version": "1.0", "vulns": [], **extra}


def test_an_unreachable_service_is_reported_as_not_checked(capsys: pytest.CaptureFixture[str]) -> None:
    error = "Traceback ...\nrequests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'"
    code = audit_lock.audit(LOCK, "osv", fake_pip_audit(None, 1, error))
    output = capsys.readouterr()
    assert code == audit_lock.NOT_CHECKED == 2
    assert "NOT CHECKED" in output.err
    assert "Failed to resolve 'api.osv.dev'" in output.err
    assert "no known vulnerabilities" not in (output.out + output.err).lower()


def test_a_package_skipped_is_not_counted_as_clean(capsys: pytest.CaptureFixture[str]) -> None:
    report = {"dependencies": [dependency("fastapi"), dependency("private-lib", skip_reason="not on PyPI")]}
    code = audit_lock.audit(LOCK, "osv", fake_pip_audit(report, 0))
    output = capsys.readouterr()
    assert code == audit_lock.NOT_CHECKED
    assert "NOT CHECKED: private-lib: not on PyPI" in output.err
    assert "no known vulnerabilities" not in (output.out + output.err).lower()


def test_known_vulnerabilities_are_listed_with_their_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    vulnerability = {"id": "GHSA-xxxx-yyyy-zzzz", "fix_versions": ["1.1"], "description": "bad"}
    report = {"dependencies": [dependency("fastapi"), dependency("jinja2", vulns=[vulnerability])]}
    code = audit_lock.audit(LOCK, "osv", fake_pip_audit(report, 1))
    output = capsys.readouterr()
    assert code == audit_lock.VULNERABLE == 1
    assert "jinja2 1.0: GHSA-xxxx-yyyy-zzzz (fixed in 1.1)" in output.err
    assert "1 of 2 checked packages have known vulnerabilities" in output.err


def test_only_a_complete_check_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    report = {"dependencies": [dependency("fastapi"), dependency("jinja2")]}
    assert audit_lock.audit(LOCK, "osv", fake_pip_audit(report, 0)) == audit_lock.CLEAN == 0
    assert "2 packages of the lock checked against osv: no known vulnerabilities" in capsys.readouterr().out


def test_the_lock_is_hashed_and_audited_as_pinned() -> None:
    """Every locked requirement carries hashes, so pip-audit reads it without resolving it."""
    text = LOCK.read_text()
    assert "--generate-hashes" in text.splitlines()[1]
    pins = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert pins and all("==" in pin and pin.endswith("\\") for pin in pins)
    command = audit_lock.pip_audit_command(LOCK, "osv", Path("report.json"))
    assert {"--disable-pip", "--no-deps", "--strict"} <= set(command)
