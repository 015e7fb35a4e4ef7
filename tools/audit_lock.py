"""``make audit``: the pinned dependencies of ``requirements.lock`` checked against a vulnerability
database with pip-audit, and a verdict that never claims more than was checked.

Exit 0: every locked package was looked up and none has a known vulnerability. Exit 1: known
vulnerabilities (listed). Exit 2: the check could not be made (the service unreachable, a
package not looked up): nothing is claimed about the packages.

    python tools/audit_lock.py [--lock requirements.lock] [--service osv]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CLEAN, VULNERABLE, NOT_CHECKED = 0, 1, 2


def pip_audit_command(lock: Path, service: str, report: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(lock),
        "--disable-pip",
        "--no-deps",
        "--strict",
        "--vulnerability-service",
        service,
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--output",
        str(report),
    ]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _described(vulnerability: dict[str, Any]) -> str:
    fixes = ", ".join(vulnerability.get("fix_versions") or ["no release"])
    return f"{vulnerability['id']} (fixed in {fixes})"


def verdict(report: dict[str, Any] | None, service: str, error_text: str) -> tuple[int, list[str]]:
    """The exit code and the lines to print, from pip-audit's JSON report (None: no report)."""
    if report is None:
        return NOT_CHECKED, [
            f"audit: NOT CHECKED: pip-audit could not query the vulnerability service {service!r}: "
            f"{_last_line(error_text)}",
            "audit: no package of the lock was checked; this is not a clean result.",
        ]
    dependencies = report.get("dependencies", [])
    skipped = [dependency for dependency in dependencies if dependency.get("skip_reason")]
    vulnerable = [dependency for dependency in dependencies if dependency.get("vulns")]
    lines = [
        f"audit: {dependency['name']} {dependency['version']}: "
        + ", ".join(_described(vulnerability) for vulnerability in dependency["vulns"])
        for dependency in vulnerable
    ]
    lines += [
        f"audit: NOT CHECKED: {dependency['name']}: {dependency['skip_reason']}" for dependency in skipped
    ]
    checked = len(dependencies) - len(skipped)
    if vulnerable:
        lines.append(
            f"audit: {len(vulnerable)} of {checked} checked packages have known vulnerabilities ({service})"
        )
        return VULNERABLE, lines
    if skipped or not dependencies:
        not_checked = f"{len(skipped)} of {len(dependencies)} packages were not checked"
        lines.append(f"audit: {not_checked}; this is not a clean result.")
        return NOT_CHECKED, lines
    lines.append(f"audit: {checked} packages of the lock checked against {service}: no known vulnerabilities")
    return CLEAN, lines


def audit(lock: Path, service: str, command: Sequence[str] | None = None) -> int:
    with tempfile.TemporaryDirectory() as directory:
        report_path = Path(directory) / "report.json"
        argv = list(command) if command is not None else pip_audit_command(lock, service, report_path)
        argv = [part.replace("{report}", str(report_path)) for part in argv]
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        report: dict[str, Any] | None = None
        if report_path.is_file():
            try:
                report = json.loads(report_path.read_text())
            except json.JSONDecodeError:
                report = None
    code, lines = verdict(report, service, result.stderr or result.stdout)
    for line in lines:
        print(line, file=sys.stderr if code else sys.stdout)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lock", type=Path, default=Path("requirements.lock"))
    parser.add_argument("--service", default="osv", choices=("osv", "pypi", "esms"))
    arguments = parser.parse_args(argv)
    return audit(arguments.lock, arguments.service)


if __name__ == "__main__":
    sys.exit(main())
