"""Checkpoints and signed notes, as the Go checksum database and transparency logs write them.

A **signed note** (``golang.org/x/mod/sumdb/note``, C2SP signed-note) is UTF-8 text ending
in a newline, a blank line, then one line per signature::

    — <key name> base64(key id ‖ Ed25519 signature of the text)

where the key id is the first 4 bytes of ``SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)``
(``0x01``: the Ed25519 algorithm byte). Several signatures on one note are how witnesses
cosign a log's checkpoint. Keys are written as the Go package writes them: a verifier key
``<name>+<key id hex>+base64(0x01 ‖ public key)``, a signer key ``PRIVATE+KEY+<name>+<key id
hex>+base64(0x01 ‖ seed)``.

A **checkpoint** is the note text ``<origin>\\n<tree size>\\n<base64 root hash>\\n`` (further
lines are extensions, kept as they are).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "
MAX_SIGNATURES = 100
_PRIVATE_PREFIX = "PRIVATE+KEY+"


class MalformedNote(ValueError):
    """The message is not a signed note, or a key is not a valid key text."""


class UnverifiedNote(ValueError):
    """No signature on the note is by a trusted key (only unknown ones, or none)."""


class InvalidNoteSignature(ValueError):
    """A signature by a trusted key does not verify: the text or the signature was altered."""


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte id naming a key in signature lines."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name) or not name.isprintable():
        raise MalformedNote(f"invalid key name {name!r}")


@dataclass(frozen=True)
class Verifier:
    """A public key with its name: checks one kind of signature line."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise MalformedNote("an Ed25519 public key is 32 bytes")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_text(cls, text: str) -> Verifier:
        name, id_hex, encoded = _split_key(text.strip(), 3)
        material = _key_material(encoded)
        verifier = cls(name, material)
        if verifier.key_id.hex() != id_hex:
            raise MalformedNote(f"verifier key {name}: key id does not match the key")
        return verifier


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key. Load it from a file or the environment, never a database."""

    name: str
    seed: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.seed) != 32:
            raise MalformedNote("an Ed25519 seed is 32 bytes")

    @classmethod
    def generate(cls, name: str) -> Signer:
        key = Ed25519PrivateKey.generate()
        return cls(name, key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @property
    def public_key(self) -> bytes:
        return self._key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self._key().sign(message)

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"{_PRIVATE_PREFIX}{self.name}+{self.verifier().key_id.hex()}+{encoded}"

    @classmethod
    def from_text(cls, text: str) -> Signer:
        text = text.strip()
        if not text.startswith(_PRIVATE_PREFIX):
            raise MalformedNote("a signer key starts with PRIVATE+KEY+")
        name, id_hex, encoded = _split_key(text.removeprefix(_PRIVATE_PREFIX), 3)
        signer = cls(name, _key_material(encoded))
        if signer.verifier().key_id.hex() != id_hex:
            raise MalformedNote(f"signer key {name}: key id does not match the key")
        return signer

    @classmethod
    def from_file(cls, path: str | Path) -> Signer:
        return cls.from_text(Path(path).read_text())

    @classmethod
    def from_environment(cls, variable: str) -> Signer:
        """The key text in ``variable``, or in the file named by ``<variable>_FILE``."""
        if os.environ.get(variable):
            return cls.from_text(os.environ[variable])
        if os.environ.get(f"{variable}_FILE"):
            return cls.from_file(os.environ[f"{variable}_FILE"])
        raise LookupError(f"no signing key: set {variable} or {variable}_FILE")

    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)


def _split_key(text: str, parts: int) -> list[str]:
    # The base64 part may itself hold '+': split from the left only.
    pieces = text.split("+", parts - 1)
    if len(pieces) != parts or len(pieces[1]) != 8:
        raise MalformedNote(f"not a key text: {text[:40]!r}")
    return pieces


def _key_material(encoded: str) -> bytes:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise MalformedNote(f"key is not base64: {error}") from None
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise MalformedNote("only Ed25519 keys (algorithm 0x01, 32 bytes) are supported")
    return raw[1:]


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    """A parsed note: its text, its signature lines (none verified yet)."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def message(self) -> str:
        return self.text + "\n" + "".join(signature.line() for signature in self.signatures)


@dataclass(frozen=True)
class VerifiedNote:
    """A note whose signatures by trusted keys all verify; ``signed_by`` names those keys."""

    text: str
    signed_by: tuple[str, ...]
    unknown: tuple[NoteSignature, ...]


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedNote("a note's text ends with a newline")
    if any(c != "\n" and (ord(c) < 0x20 or ord(c) == 0x7F) for c in text):
        raise MalformedNote("a note's text holds no control characters but newlines")


def sign_note(text: str, *signers: Signer) -> str:
    """The signed note of ``text`` with one signature line per signer."""
    _check_text(text)
    return _with_signatures(Note(text, ()), signers)


def cosign(message: str, *signers: Signer) -> str:
    """Add signature lines to a signed note (a witness cosigning a checkpoint)."""
    return _with_signatures(parse_note(message), signers)


def _with_signatures(note: Note, signers: tuple[Signer, ...]) -> str:
    payload = note.text.encode()
    added = tuple(NoteSignature(s.name, s.verifier().key_id, s.sign(payload)) for s in signers)
    return Note(note.text, note.signatures + added).message()


def parse_note(message: str) -> Note:
    """Split a signed note into text and signature lines; :class:`MalformedNote` otherwise."""
    split = message.rfind("\n\n")
    if split < 0:
        raise MalformedNote("no blank line before the signatures")
    text, block = message[: split + 1], message[split + 2 :]
    _check_text(text)
    if not block or not block.endswith("\n"):
        raise MalformedNote("a note has at least one signature line, each ending in a newline")
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNote(f"not a signature line: {line[:40]!r}")
        name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        _check_name(name)
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise MalformedNote(f"signature by {name} is not base64") from None
        if len(raw) < 5:
            raise MalformedNote(f"signature by {name} is too short")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    if len(signatures) > MAX_SIGNATURES:
        raise MalformedNote(f"more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(signatures))


def open_note(message: str, verifiers: list[Verifier] | tuple[Verifier, ...]) -> VerifiedNote:
    """Check a signed note against trusted keys.

    Every signature by a trusted key (same name and key id) must verify
    (:class:`InvalidNoteSignature` otherwise) and at least one must be present
    (:class:`UnverifiedNote`); signatures by other keys are returned as ``unknown``.
    """
    note = parse_note(message)
    known = {(v.name, v.key_id): v for v in verifiers}
    payload = note.text.encode()
    signed_by: list[str] = []
    unknown: list[NoteSignature] = []
    for signature in note.signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            unknown.append(signature)
            continue
        if not verifier.verify(payload, signature.signature):
            raise InvalidNoteSignature(f"signature by {signature.name} does not verify")
        if signature.name not in signed_by:
            signed_by.append(signature.name)
    if not signed_by:
        names = ", ".join(s.name for s in note.signatures)
        raise UnverifiedNote(f"no signature by a trusted key (signed by: {names})")
    return VerifiedNote(note.text, tuple(signed_by), tuple(unknown))


@dataclass(frozen=True)
class Checkpoint:
    """A log's state: its origin (log name), tree size and root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise MalformedNote("a checkpoint has an origin, a size and a root hash, one a line")
        origin, size, root = lines[0], lines[1], lines[2]
        if not origin or not size.isdigit() or (size != "0" and size.startswith("0")):
            raise MalformedNote("invalid checkpoint origin or size")
        try:
            root_hash = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise MalformedNote("checkpoint root is not base64") from None
        if len(root_hash) != 32:
            raise MalformedNote("checkpoint root is not a SHA-256 hash")
        return cls(origin, int(size), root_hash, tuple(lines[3:-1]))
