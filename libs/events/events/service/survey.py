"""Survey tokens: the credential a customer answers a satisfaction survey with.

A token is issued when a request is resolved (or closed) and sent to the customer (the
documents service sends the link); whoever holds it may answer once, until it expires. It
names ``{request_id, nonce, exp}`` and is signed with HMAC-SHA256 under the service's survey
key (``ServiceSettings.survey_key``: 32 bytes or more, checked at start-up like the JWT keys)::

    v1.<base64url(JSON payload)>.<base64url(HMAC-SHA256 of "v1.<payload>")>

The nonce is derived from the key, the request and the moment it was resolved, so the token
of a resolution can be derived again (the staff endpoint that gives the link) and a new
resolution gets a new one. Single use is the consumer's part: it records the nonce with the
answer and refuses it a second time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from events.service.problems import Problem
from events.service.settings import MIN_HMAC_SECRET_BYTES, ServiceSettings

__all__ = [
    "SURVEY_VALIDITY",
    "MAX_TOKEN_LENGTH",
    "ExpiredSurveyToken",
    "ForgedSurveyToken",
    "SurveySigner",
    "SurveyToken",
    "SurveyTokenRefused",
    "forged_survey_token",
    "read_survey_token",
    "survey_signer",
]

#: How long a customer may answer after the resolution.
SURVEY_VALIDITY = timedelta(days=30)
#: A token is about 170 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 512
_VERSION = "v1"


@dataclass(frozen=True)
class SurveyToken:
    """What a verified token names."""

    request_id: UUID
    nonce: str
    expires_at: datetime


class SurveyTokenRefused(Exception):
    status = 401
    code = "survey-token-refused"
    title = "Survey token refused"


class ForgedSurveyToken(SurveyTokenRefused):
    """Not a token this service signed (malformed, altered, or signed with another key)."""


class ExpiredSurveyToken(SurveyTokenRefused):
    status = 410
    code = "survey-token-expired"
    title = "Survey token expired"


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SurveySigner:
    """Issues and reads survey tokens under one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_HMAC_SECRET_BYTES:
            raise ValueError(f"a survey key needs at least {MIN_HMAC_SECRET_BYTES} bytes")
        self._key = key

    def _mac(self, message: str) -> bytes:
        return hmac.new(self._key, message.encode("ascii"), hashlib.sha256).digest()

    def nonce(self, request_id: UUID, issued_at: datetime) -> str:
        """The nonce of the resolution of ``request_id`` at ``issued_at``: the same again for
        the same resolution, another for another."""
        moment = issued_at.astimezone(UTC).isoformat()
        return _b64encode(self._mac(f"nonce|{request_id}|{moment}")[:16])

    def issue(
        self, request_id: UUID, issued_at: datetime, validity: timedelta = SURVEY_VALIDITY
    ) -> tuple[str, SurveyToken]:
        """The token of the resolution of ``request_id`` at ``issued_at``, and what it names."""
        expires_at = (issued_at + validity).astimezone(UTC).replace(microsecond=0)
        named = SurveyToken(request_id, self.nonce(request_id, issued_at), expires_at)
        payload = {"rid": str(request_id), "nonce": named.nonce, "exp": int(expires_at.timestamp())}
        body = f"{_VERSION}.{_b64encode(json.dumps(payload, separators=(',', ':')).encode())}"
        return f"{body}.{_b64encode(self._mac(body))}", named

    def read(self, token: str, now: datetime) -> SurveyToken:
        """What ``token`` names, if this key signed it and it has not expired at ``now``."""
        named = self.verified(token)
        if now >= named.expires_at:
            raise ExpiredSurveyToken(f"this survey closed at {named.expires_at.isoformat()}")
        return named

    def verified(self, token: str) -> SurveyToken:
        """What ``token`` names if this key signed it, whether it expired or not."""
        forged = ForgedSurveyToken("this is not a survey token of ours")
        parts = token.split(".")
        if len(token) > MAX_TOKEN_LENGTH or len(parts) != 3 or parts[0] != _VERSION:
            raise forged
        try:
            signature = _b64decode(parts[2])
            if not token.isascii() or not hmac.compare_digest(signature, self._mac(f"{parts[0]}.{parts[1]}")):
                raise forged
            payload = json.loads(_b64decode(parts[1]))
            request_id, nonce, expires = UUID(payload["rid"]), payload["nonce"], payload["exp"]
            if not isinstance(nonce, str) or type(expires) is not int:
                raise forged
            return SurveyToken(request_id, nonce, datetime.fromtimestamp(expires, UTC))
        except (binascii.Error, ValueError, KeyError, TypeError, OverflowError, OSError):
            raise forged from None


def survey_signer(settings: ServiceSettings) -> SurveySigner:
    """The service's signer; 503 problem+json when no survey key is configured."""
    key = settings.survey_key
    if key is None:
        raise Problem(
            503,
            "surveys-not-configured",
            "Surveys are not configured",
            "this service has no survey key: set GUICHET_SURVEY_SECRET",
        )
    return SurveySigner(key)


def forged_survey_token(settings: ServiceSettings, token: str) -> Problem | None:
    """The 401 of a token this service did not sign (its expiry is not looked at), or None."""
    key = settings.survey_key
    if key is None:
        return None
    try:
        SurveySigner(key).verified(token)
    except ForgedSurveyToken as forged:
        return Problem(forged.status, forged.code, forged.title, str(forged))
    return None


def read_survey_token(settings: ServiceSettings, token: str, now: datetime) -> SurveyToken:
    """What ``token`` names; 401 problem+json when forged, 410 when expired."""
    try:
        return survey_signer(settings).read(token, now)
    except SurveyTokenRefused as refused:
        raise Problem(refused.status, refused.code, refused.title, str(refused)) from None
