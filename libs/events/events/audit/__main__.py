"""``python -m events.audit verify BUNDLE [--key FILE]... [--min-witnesses N] [--json]``.

Exit status 0 when the bundle verifies, 1 on any finding, 2 when it cannot be read.
No server, no network: the bundle (and the keys given) is all it reads. Bundles are
``guichet-audit-bundle/2`` files (:mod:`events.audit.bundle`): each event line carries the
exact bytes its hashes cover, which the verifier hashes as they are.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson

from events.audit.bundle import LOG, WITNESS, TrustedKey
from events.audit.fast import verify_path
from events.audit.note import MalformedNote, Verifier


def _trusted(log_keys: list[str], witness_keys: list[str]) -> list[TrustedKey] | None:
    if not log_keys and not witness_keys:
        return None
    keys = [TrustedKey(Verifier.from_text(Path(path).read_text()), LOG) for path in log_keys]
    return keys + [TrustedKey(Verifier.from_text(Path(path).read_text()), WITNESS) for path in witness_keys]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m events.audit", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify an audit bundle offline")
    verify.add_argument("bundle", type=Path, help="bundle.jsonl, or a directory holding it")
    verify.add_argument(
        "--key",
        action="append",
        default=[],
        help="trusted log key file (verifier key text); given any key, the bundle's own keys are not trusted",
    )
    verify.add_argument("--witness-key", action="append", default=[], help="trusted witness key file")
    verify.add_argument("--min-witnesses", type=int, default=0, help="witness cosignatures required")
    verify.add_argument("--workers", type=int, default=None, help="processes (default: one per CPU)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        trusted = _trusted(args.key, args.witness_key)
        report = verify_path(
            args.bundle, trusted=trusted, min_witnesses=args.min_witnesses, workers=args.workers
        )
    except (OSError, ValueError, KeyError, TypeError, MalformedNote) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.write(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write("\n".join(report.lines()) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
