"""The hash a validation covers: what exactly would leave, and nothing else.

``content_hash`` is the SHA-256 (hex) of a canonical JSON object (sorted keys, no spaces,
UTF-8) holding: ``document`` (its id), ``body`` (the SHA-256 of the rendered HTML, the
canonical rendering the PDF is made from), ``attachments`` (their SHA-256, in order),
``recipients`` (trimmed, lowercased, sorted) and ``channel``. Change any of them (a word of
the body, an attachment, a recipient, the channel) and the hash changes, so no validation
given before the change covers it.
"""

import hashlib
import json
from collections.abc import Sequence
from uuid import UUID


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(
    document_id: UUID, body: bytes, attachment_hashes: Sequence[str], recipients: Sequence[str], channel: str
) -> str:
    material = {
        "document": str(document_id),
        "body": sha256_hex(body),
        "attachments": list(attachment_hashes),
        "recipients": sorted(r.strip().lower() for r in recipients),
        "channel": channel,
    }
    return sha256_hex(json.dumps(material, sort_keys=True, separators=(",", ":")).encode())
