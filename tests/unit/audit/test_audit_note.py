"""Signed notes and checkpoints: the Go reference vector, round trips, and every rejection."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from events.audit.note import (
    Checkpoint,
    InvalidNoteSignature,
    MalformedNote,
    Signer,
    UnverifiedNote,
    Verifier,
    cosign,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

# The example of golang.org/x/mod/sumdb/note's documentation.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
CHECKPOINT = Checkpoint("guichet/intake", 42, bytes(range(32)))


def test_keys_and_signature_match_the_go_reference_byte_for_byte() -> None:
    signer = Signer.from_text(GO_SIGNER)
    assert signer.text() == GO_SIGNER
    assert signer.verifier().text() == GO_VERIFIER
    assert Verifier.from_text(GO_VERIFIER).key_id.hex() == "c74f20a3"
    assert sign_note(GO_TEXT, signer) == GO_NOTE
    opened = open_note(GO_NOTE, [Verifier.from_text(GO_VERIFIER)])
    assert opened.text == GO_TEXT and opened.signed_by == ("PeterNeumann",)


def test_key_id_is_sha256_of_name_newline_algorithm_and_key() -> None:
    public = Verifier.from_text(GO_VERIFIER).public_key
    expected = hashlib.sha256(b"PeterNeumann\n\x01" + public).digest()[:4]
    assert key_id("PeterNeumann", public) == expected


def test_checkpoint_round_trip_with_log_and_witness_signatures() -> None:
    log, witness = Signer.generate("guichet/intake"), Signer.generate("witness/sla-clock")
    text = CHECKPOINT.text()
    assert text == f"guichet/intake\n42\n{base64.b64encode(bytes(range(32))).decode()}\n"
    note = cosign(sign_note(text, log), witness)
    opened = open_note(note, [log.verifier(), witness.verifier()])
    assert opened.signed_by == ("guichet/intake", "witness/sla-clock")
    assert Checkpoint.parse(opened.text) == CHECKPOINT
    assert len(parse_note(note).signatures) == 2


def test_a_wrong_key_is_not_trusted() -> None:
    log = Signer.generate("guichet/intake")
    impostor = Signer.generate("guichet/intake")  # same name, another key
    note = sign_note(CHECKPOINT.text(), impostor)
    with pytest.raises(UnverifiedNote):
        open_note(note, [log.verifier()])


def test_unknown_signatures_alone_are_refused_and_reported_beside_a_known_one() -> None:
    log, stranger = Signer.generate("guichet/intake"), Signer.generate("stranger")
    with pytest.raises(UnverifiedNote):
        open_note(sign_note(CHECKPOINT.text(), stranger), [log.verifier()])
    opened = open_note(sign_note(CHECKPOINT.text(), log, stranger), [log.verifier()])
    assert opened.signed_by == ("guichet/intake",)
    assert [s.name for s in opened.unknown] == ["stranger"]


def test_a_modified_text_fails_its_signature() -> None:
    log = Signer.generate("guichet/intake")
    note = sign_note(CHECKPOINT.text(), log)
    forged = note.replace("\n42\n", "\n43\n", 1)
    assert forged != note
    with pytest.raises(InvalidNoteSignature):
        open_note(forged, [log.verifier()])


def test_a_truncated_signature_is_refused() -> None:
    log = Signer.generate("guichet/intake")
    note = sign_note(CHECKPOINT.text(), log)
    text, signature = parse_note(note).text, parse_note(note).signatures[0]
    short = base64.b64encode(signature.key_id + signature.signature[:-1]).decode()
    with pytest.raises(InvalidNoteSignature):
        open_note(f"{text}\n\u2014 guichet/intake {short}\n", [log.verifier()])
    with pytest.raises(MalformedNote):
        open_note(note[:-20] + "\n", [log.verifier()])


@pytest.mark.parametrize(
    "message",
    [
        "no blank line\n\u2014 a AAAAAAA=\n",
        "text\n\n",
        "text\n\n\u2014 a AAAAAAA=",
        "text\n\n- a AAAAAAA=\n",
        "text\n\n\u2014 a not-base64!\n",
        "text\n\n\u2014 a AAA=\n",
        "te\x07xt\n\n\u2014 a AAAAAAA=\n",
    ],
)
def test_malformed_notes_are_refused(message: str) -> None:
    with pytest.raises(MalformedNote):
        parse_note(message)


def test_keys_with_a_wrong_id_or_algorithm_are_refused() -> None:
    with pytest.raises(MalformedNote):
        Verifier.from_text(GO_VERIFIER.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(MalformedNote):
        Verifier.from_text("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    with pytest.raises(MalformedNote):
        Signer.from_text(GO_SIGNER.removeprefix("PRIVATE+KEY+"))


def test_the_signing_key_comes_from_the_environment_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_AUDIT_KEY", GO_SIGNER)
    assert Signer.from_environment("GUICHET_AUDIT_KEY").name == "PeterNeumann"
    monkeypatch.delenv("GUICHET_AUDIT_KEY")
    path = tmp_path / "key"
    path.write_text(GO_SIGNER + "\n")
    monkeypatch.setenv("GUICHET_AUDIT_KEY_FILE", str(path))
    assert Signer.from_environment("GUICHET_AUDIT_KEY").text() == GO_SIGNER
    monkeypatch.delenv("GUICHET_AUDIT_KEY_FILE")
    with pytest.raises(LookupError):
        Signer.from_environment("GUICHET_AUDIT_KEY")


@pytest.mark.parametrize(
    "text", ["origin\n42\n", "origin\n042\nAAAA\n", "origin\n-1\nAAAA\n", "origin\n1\nAAAA\n", "\n1\nAAAA\n"]
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(MalformedNote):
        Checkpoint.parse(text)
