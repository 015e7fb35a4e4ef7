"""The offline verifier: checks a bundle with nothing but the bundle (and trusted keys).

Checks, in order: each checkpoint's signatures (the log's key, witness cosignatures);
checkpoints of one size with different roots, and consistency proofs between successive
sizes (forks); that the log's recorded leaves give every signed root (which authenticates
them up to the largest such size); then every event: its chain hash, its link to the
previous event of its stream, its leaf against the signed leaf of the same event, and its
place in the signed order. Recorded leaves with no event are deleted events.

An event read from a bundle file (:class:`events.audit.bundle.ReadEvent`) is checked on its
exact bytes: the chain hash over its body bytes, the leaf hash over its leaf bytes; an
event line that does not read as one event (leaf and body disagreeing, not JSON) is a
:data:`CHANGED` finding.

Each :class:`Finding` names the event (id, position, leaf index) where there is one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from events.audit.bundle import (
    LOG,
    PERIOD,
    WITNESS,
    Bundle,
    ReadEvent,
    Scope,
    TrustedKey,
    body_of,
    leaf_of,
)
from events.audit.merkle import MerkleTree, leaf_hash, root_from_inclusion, verify_consistency
from events.audit.note import (
    Checkpoint,
    InvalidNoteSignature,
    MalformedNote,
    UnverifiedNote,
    open_note,
)
from events.integrity import link_hash

CHANGED = "changed"
"""An event's content no longer matches its own chain hash, or its bundle line does not read
as one event."""
BROKEN_LINK = "broken-link"
"""An event does not follow its stream's previous event (version or ``prev_hash``)."""
DELETED = "deleted"
"""A signed leaf has no event in the bundle."""
REORDERED = "reordered"
"""An event is not where the signed tree has it (before an event it followed, or moved)."""
REHASHED = "rehashed"
"""An event is self-consistent, chain included, but differs from its signed leaf."""
UNRECORDED = "unrecorded"
"""An event within the signed range that the signed tree does not hold."""
ROOT_MISMATCH = "root-mismatch"
"""The log's recorded leaves do not give a signed checkpoint's root: leaves were rewritten."""
FORKED_CHECKPOINT = "forked-checkpoint"
"""Two signed checkpoints that cannot both be true: same size and different roots, or no
valid consistency proof from one to the next."""
BAD_SIGNATURE = "bad-signature"
UNSIGNED_CHECKPOINT = "unsigned-checkpoint"
MISSING_WITNESS = "missing-witness"


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    event_id: str | None = None
    position: int | None = None
    leaf_index: int | None = None
    other_event_id: str | None = None
    other_position: int | None = None
    checkpoint_size: int | None = None

    def line(self) -> str:
        where = []
        if self.event_id is not None:
            where.append(f"event {self.event_id}")
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.leaf_index is not None:
            where.append(f"leaf {self.leaf_index}")
        if self.other_event_id is not None:
            where.append(f"with event {self.other_event_id} (position {self.other_position})")
        if self.checkpoint_size is not None:
            where.append(f"checkpoint size {self.checkpoint_size}")
        return f"{self.kind}: {', '.join(where)}: {self.message}" if where else f"{self.kind}: {self.message}"


@dataclass
class Report:
    origin: str
    events: int = 0
    signed_size: int = 0
    """How many leaves the signed checkpoints authenticate."""
    checkpoints: int = 0
    verified_checkpoints: int = 0
    unsigned_events: int = 0
    """Events after the last verified checkpoint: checked by their chain only."""
    findings: list[Finding] = field(default_factory=list)
    scope: str | None = None
    """What a scoped bundle holds (None: the whole log)."""
    cannot_prove: list[str] = field(default_factory=list)
    """What a scoped bundle leaves unproven."""

    @property
    def ok(self) -> bool:
        return not self.findings

    def kinds(self) -> set[str]:
        return {finding.kind for finding in self.findings}

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    def lines(self) -> list[str]:
        summary = (
            f"{self.origin}: {self.events} events, {self.verified_checkpoints}/{self.checkpoints} "
            f"checkpoints verified, {self.signed_size} leaves signed, "
            f"{self.unsigned_events} events after the last checkpoint"
        )
        verdict = "OK" if self.ok else f"{len(self.findings)} finding(s)"
        scoped = [f"scope: {self.scope}"] if self.scope else []
        limits = [f"cannot prove: {limit}" for limit in self.cannot_prove]
        return [*(finding.line() for finding in self.findings), *scoped, *limits, f"{summary}: {verdict}"]


def verify_bundle(
    bundle: Bundle, *, trusted: Iterable[TrustedKey] | None = None, min_witnesses: int = 0
) -> Report:
    """Check everything in ``bundle``; ``trusted`` keys replace the bundle's own when given."""
    report, checkpoints = _verify_log(bundle, trusted, min_witnesses)
    if bundle.scope is None:
        verify_events(bundle, report)
    else:
        verify_scoped(bundle, checkpoints, report)
    return require_anchor(report)


def require_anchor(report: Report) -> Report:
    """Events with no verified checkpoint at all are anchored to nothing: a finding."""
    if report.events and not report.verified_checkpoints:
        report.findings.append(
            Finding(UNSIGNED_CHECKPOINT, "no verified checkpoint: nothing anchors the events")
        )
    return report


def verify_log(
    bundle: Bundle, *, trusted: Iterable[TrustedKey] | None = None, min_witnesses: int = 0
) -> Report:
    """The checks that do not read events: signatures, forks, the recorded leaves against
    the signed roots (which sets ``report.signed_size``)."""
    return _verify_log(bundle, trusted, min_witnesses)[0]


def _verify_log(
    bundle: Bundle, trusted: Iterable[TrustedKey] | None, min_witnesses: int
) -> tuple[Report, list[Checkpoint]]:
    keys = list(trusted) if trusted is not None else bundle.keys
    report = Report(bundle.origin, events=len(bundle.events), checkpoints=len(bundle.checkpoints))
    checkpoints = _checkpoints(bundle, keys, min_witnesses, report)
    _forks(bundle, checkpoints, report)
    if bundle.scope is None:
        report.signed_size = _signed_size(bundle, checkpoints, report)
    else:
        report.signed_size = max((checkpoint.size for checkpoint in checkpoints), default=0)
    return report, checkpoints


def _checkpoints(
    bundle: Bundle, keys: list[TrustedKey], min_witnesses: int, report: Report
) -> list[Checkpoint]:
    log_keys = {key.verifier.name for key in keys if key.role == LOG}
    witness_keys = {key.verifier.name for key in keys if key.role == WITNESS}
    verifiers = [key.verifier for key in keys]
    verified: list[Checkpoint] = []
    for note in bundle.checkpoints:
        try:
            opened = open_note(note, verifiers)
            checkpoint = Checkpoint.parse(opened.text)
        except InvalidNoteSignature as error:
            report.findings.append(
                Finding(BAD_SIGNATURE, f"{error}: checkpoint ignored", checkpoint_size=_size(note))
            )
            continue
        except (UnverifiedNote, MalformedNote) as error:
            report.findings.append(Finding(UNSIGNED_CHECKPOINT, str(error), checkpoint_size=_size(note)))
            continue
        if checkpoint.origin != bundle.origin or not log_keys & set(opened.signed_by):
            report.findings.append(
                Finding(
                    UNSIGNED_CHECKPOINT,
                    f"not signed by the key of log {bundle.origin} (origin {checkpoint.origin})",
                    checkpoint_size=checkpoint.size,
                )
            )
            continue
        witnesses = witness_keys & set(opened.signed_by)
        if len(witnesses) < min_witnesses:
            report.findings.append(
                Finding(
                    MISSING_WITNESS,
                    f"{len(witnesses)} witness cosignature(s), {min_witnesses} required",
                    checkpoint_size=checkpoint.size,
                )
            )
        verified.append(checkpoint)
    report.verified_checkpoints = len(verified)
    return verified


def _size(note: str) -> int | None:
    lines = note.split("\n")
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else None


def _forks(bundle: Bundle, checkpoints: list[Checkpoint], report: Report) -> None:
    roots: dict[int, bytes] = {}
    for checkpoint in checkpoints:
        known = roots.setdefault(checkpoint.size, checkpoint.root)
        if known != checkpoint.root:
            report.findings.append(
                Finding(
                    FORKED_CHECKPOINT,
                    "two signed checkpoints of this size have different roots",
                    checkpoint_size=checkpoint.size,
                )
            )
    proofs = {(record.old_size, record.new_size): record.proof for record in bundle.consistency}
    tree: MerkleTree | None = None
    sizes = sorted(size for size in roots if size > 0)
    for old, new in zip(sizes, sizes[1:], strict=False):
        proof = proofs.get((old, new))
        if proof is None and new <= bundle.leaf_count():
            # No proof shipped: the log's recorded leaves give one (it holds only if both
            # checkpoints are of one history).
            tree = tree or MerkleTree.from_concatenated(bundle.leaf_hashes())
            proof = tuple(tree.consistency_proof(old, new))
        if proof is None or not verify_consistency(old, new, roots[old], roots[new], proof):
            state = "no consistency proof" if proof is None else "no valid consistency proof"
            report.findings.append(
                Finding(FORKED_CHECKPOINT, f"{state} from size {old} to this one", checkpoint_size=new)
            )


def _signed_size(bundle: Bundle, checkpoints: list[Checkpoint], report: Report) -> int:
    """The largest checkpoint size whose root the recorded leaves give (0 if none)."""
    wanted: dict[int, set[bytes]] = {}
    for checkpoint in checkpoints:
        wanted.setdefault(checkpoint.size, set()).add(checkpoint.root)
    tree = MerkleTree.from_concatenated(bundle.leaf_hashes())
    count = tree.size
    signed = 0
    last_good = 0
    for size in sorted(wanted):
        if size > count:
            report.findings.append(
                Finding(
                    DELETED,
                    f"a checkpoint signs {size} leaves, the log records {count}",
                    checkpoint_size=size,
                )
            )
            continue
        if tree.root(size) in wanted[size]:
            signed = last_good = size
            continue
        leaves = bundle.named_leaves()
        first, last = leaves[last_good], leaves[size - 1]
        report.findings.append(
            Finding(
                ROOT_MISMATCH,
                f"the log's leaves {last_good}..{size - 1} do not give the signed root: "
                f"rewritten between this event and event {last.event_id} (position {last.position})",
                event_id=first.event_id,
                position=first.position,
                leaf_index=last_good,
                checkpoint_size=size,
            )
        )
    return signed


def verify_events(bundle: Bundle, report: Report) -> None:
    """Check every event of the bundle against its chain and the signed leaves."""
    findings = report.findings
    signed = report.signed_size
    leaves = bundle.named_leaves()
    recorded = {leaf.event_id: leaf for leaf in leaves}
    tails: dict[str, tuple[int, str]] = {}
    seen: set[str] = set()
    unrecorded: list[tuple[int, dict[str, Any]]] = []
    previous: tuple[int, dict[str, Any]] | None = None
    last_signed_order = -1
    for order, event in enumerate(bundle.events):
        if "id" not in event:
            problem = event.problem if isinstance(event, ReadEvent) else "no id"
            findings.append(Finding(CHANGED, f"event {order + 1} of the bundle is unreadable: {problem}"))
            continue
        event_id = event["id"]
        position = event["position"]
        seen.add(event_id)
        content_ok = _chain(event, tails, findings)
        leaf = recorded.get(event_id)
        if leaf is None:
            unrecorded.append((order, event))
            continue
        if leaf.leaf_index >= signed:
            report.unsigned_events += 1
            continue
        if previous is not None and leaf.leaf_index < previous[0]:
            other = previous[1]
            findings.append(
                Finding(
                    REORDERED,
                    "comes before an event the signed tree has after it",
                    event_id=event_id,
                    position=position,
                    leaf_index=leaf.leaf_index,
                    other_event_id=other["id"],
                    other_position=other["position"],
                )
            )
        previous = (leaf.leaf_index, event)
        last_signed_order = order
        if content_ok and leaf_hash(leaf_of(event)) != leaf.hash:
            if leaf.position != position:
                kind, message = REORDERED, f"signed at position {leaf.position}"
            else:
                kind, message = REHASHED, "chain consistent but the event differs from its signed leaf"
            findings.append(
                Finding(kind, message, event_id=event_id, position=position, leaf_index=leaf.leaf_index)
            )
    # An event the log does not record is a finding when it sits among signed events;
    # after the last of them it is only not signed yet.
    for order, event in unrecorded:
        if order < last_signed_order:
            findings.append(
                Finding(
                    UNRECORDED,
                    "not in the log's signed tree",
                    event_id=event["id"],
                    position=event["position"],
                )
            )
        else:
            report.unsigned_events += 1
    for leaf in leaves[:signed]:
        if leaf.event_id not in seen:
            findings.append(
                Finding(
                    DELETED,
                    "a signed leaf has no event (id and position as the log recorded them)",
                    event_id=leaf.event_id,
                    position=leaf.position,
                    leaf_index=leaf.leaf_index,
                )
            )


def _chain(
    event: dict[str, Any],
    tails: dict[str, tuple[int, str]],
    findings: list[Finding],
    *,
    open_start: bool = False,
) -> bool:
    """Check the event's own hash and its link to its stream's previous event in the bundle
    (``open_start``: the first event of a stream in the bundle need not be its first)."""
    stream = event["stream_id"]
    version = event["stream_version"]
    prev_hash = event["prev_hash"]
    problem = event.problem if isinstance(event, ReadEvent) else None
    content_ok = problem is None and _link_hash(prev_hash, body_of(event)) == event["hash"]
    if not content_ok:
        findings.append(
            Finding(
                CHANGED,
                problem or "content does not match its hash",
                event_id=event["id"],
                position=event.get("position"),
            )
        )
    tail = tails.get(stream)
    expected_version, expected_prev = (tail[0] + 1, tail[1]) if tail else (1, None)
    linked = tail is None and open_start
    if not linked and (version != expected_version or prev_hash != expected_prev):
        findings.append(
            Finding(
                BROKEN_LINK,
                f"stream {stream} version {version} does not follow version {expected_version - 1} "
                "seen before it",
                event_id=event["id"],
                position=event.get("position"),
            )
        )
    tails[stream] = (version, event["hash"])
    return content_ok


def verify_scoped(bundle: Bundle, checkpoints: list[Checkpoint], report: Report) -> None:
    """Check the events of a scoped bundle: each one's chain hash, its links within the
    bundle's streams, its leaf in a verified checkpoint by its inclusion proof, their order;
    for a period, that every leaf of its range is there. Says what it cannot prove."""
    scope = bundle.scope
    if scope is None:
        raise ValueError("not a scoped bundle")
    findings = report.findings
    report.scope = scope.describe()
    report.cannot_prove = _limits(scope)
    roots: dict[int, set[bytes]] = {}
    for checkpoint in checkpoints:
        roots.setdefault(checkpoint.size, set()).add(checkpoint.root)
    proofs = {record.event_id: record for record in bundle.inclusions}
    tails: dict[str, tuple[int, str]] = {}
    held: dict[int, dict[str, Any]] = {}
    unproven: list[tuple[int, dict[str, Any]]] = []
    previous: tuple[int, dict[str, Any]] | None = None
    last_proven_order = -1
    for order, event in enumerate(bundle.events):
        if "id" not in event:
            problem = event.problem if isinstance(event, ReadEvent) else "no id"
            findings.append(Finding(CHANGED, f"event {order + 1} of the bundle is unreadable: {problem}"))
            continue
        content_ok = _chain(event, tails, findings, open_start=scope.kind == PERIOD)
        record = proofs.get(event["id"])
        if record is None:
            unproven.append((order, event))
            continue
        where = {"event_id": event["id"], "position": event.get("position"), "leaf_index": record.leaf_index}
        last_proven_order = order
        if record.tree_size not in roots:
            findings.append(
                Finding(
                    UNSIGNED_CHECKPOINT,
                    f"its inclusion proof is into size {record.tree_size}, signed by no verified checkpoint",
                    **where,
                )
            )
            continue
        root = root_from_inclusion(
            leaf_hash(leaf_of(event)), record.leaf_index, record.tree_size, record.proof
        )
        if root not in roots[record.tree_size] and content_ok:
            findings.append(
                Finding(REHASHED, "its leaf is not the one the signed tree holds at its index", **where)
            )
        if record.leaf_index in held or (previous is not None and record.leaf_index < previous[0]):
            other = held.get(record.leaf_index) or (previous[1] if previous else event)
            findings.append(
                Finding(
                    REORDERED,
                    "comes before an event the signed tree has after it, or at the same leaf",
                    **where,
                    other_event_id=other["id"],
                    other_position=other.get("position"),
                )
            )
        held[record.leaf_index] = event
        previous = (record.leaf_index, event)
    for order, event in unproven:
        if order < last_proven_order:
            findings.append(
                Finding(
                    UNRECORDED,
                    "no inclusion proof, among events that have one",
                    event_id=event["id"],
                    position=event.get("position"),
                )
            )
        else:
            report.unsigned_events += 1
    if scope.leaves is not None:
        first, last = scope.leaves
        for index in range(first, min(last + 1, report.signed_size)):
            if index not in held:
                findings.append(
                    Finding(DELETED, "a leaf of the period has no event in the bundle", leaf_index=index)
                )


def _limits(scope: Scope) -> list[str]:
    limits = [
        "events after the last checkpoint, beyond their own hash and links",
    ]
    if scope.kind == PERIOD:
        return [
            "any event outside the period's leaves (other periods, the log's other events)",
            "the links of the period's first event of each stream to the events before it",
            *limits,
        ]
    return [
        "any event of other streams (the rest of the log)",
        "that no event of these streams came after the last one here (a deleted last event)",
        *limits,
    ]


def _link_hash(prev_hash: str | None, body: bytes) -> str | None:
    """The chain hash, or None when ``prev_hash`` is not a hash (a changed byte in a leaf)."""
    try:
        return link_hash(prev_hash, body)
    except (ValueError, TypeError):
        return None
