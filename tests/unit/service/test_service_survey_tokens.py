"""Survey tokens (events.service.survey): signed, expiring, derivable per resolution; their key
checked at start-up like the JWT keys."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from events.service.problems import Problem
from events.service.settings import DEV_JWT_SECRET, ServiceSettings
from events.service.survey import (
    SURVEY_VALIDITY,
    ExpiredSurveyToken,
    ForgedSurveyToken,
    SurveySigner,
    read_survey_token,
    survey_signer,
)

RESOLVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
KEY = b"s" * 32
PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
    "-----END PUBLIC KEY-----"
)


def test_a_token_names_its_request_nonce_and_expiry_and_is_read_back() -> None:
    request_id = uuid4()
    token, named = SurveySigner(KEY).issue(request_id, RESOLVED)
    assert named.request_id == request_id
    assert named.expires_at == RESOLVED + SURVEY_VALIDITY
    assert SurveySigner(KEY).read(token, RESOLVED + timedelta(days=29)) == named
    assert len(token) < 250


def test_the_same_resolution_gives_the_same_token_and_another_a_new_nonce() -> None:
    request_id, signer = uuid4(), SurveySigner(KEY)
    first, named = signer.issue(request_id, RESOLVED)
    assert signer.issue(request_id, RESOLVED)[0] == first
    assert signer.issue(request_id, RESOLVED + timedelta(hours=1))[1].nonce != named.nonce
    assert signer.issue(uuid4(), RESOLVED)[1].nonce != named.nonce


def test_an_expired_token_is_refused_from_its_expiry_on() -> None:
    token, named = SurveySigner(KEY).issue(uuid4(), RESOLVED)
    with pytest.raises(ExpiredSurveyToken):
        SurveySigner(KEY).read(token, named.expires_at)


def _reencoded(token: str, **changes: object) -> str:
    version, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    altered = base64.urlsafe_b64encode(json.dumps(claims | changes).encode()).rstrip(b"=").decode()
    return f"{version}.{altered}.{signature}"


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: _reencoded(token, exp=4102444800),
        lambda token: _reencoded(token, rid=str(uuid4())),
        lambda token: token.replace("v1.", "v2.", 1),
        lambda token: token + "A",
        lambda token: token[:-1],
        lambda token: SurveySigner(b"o" * 32).issue(UUID(int=1), RESOLVED)[0],
        lambda token: "probe",
        lambda token: "v1..",
        lambda token: "v1.é.é",
        lambda token: token + "x" * 600,
    ],
)
def test_a_token_not_signed_by_this_key_as_issued_is_forged(forge: object) -> None:
    token, _ = SurveySigner(KEY).issue(UUID(int=1), RESOLVED)
    with pytest.raises(ForgedSurveyToken):
        SurveySigner(KEY).read(forge(token), RESOLVED)  # type: ignore[operator]


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SurveySigner(b"short")


def test_settings_derive_a_survey_key_from_the_jwt_secret_never_the_secret_itself() -> None:
    settings = ServiceSettings()
    assert settings.survey_key is not None and len(settings.survey_key) == 32
    assert settings.survey_key != DEV_JWT_SECRET.encode()
    other = ServiceSettings(jwt_secret="x" * 40, host="0.0.0.0")
    assert other.survey_key not in (None, settings.survey_key)
    assert ServiceSettings(survey_secret="z" * 32).survey_key == b"z" * 32


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("short", "GUICHET_SURVEY_SECRET is 5 bytes"),
        (DEV_JWT_SECRET, "development JWT secret"),
        (PUBLIC_KEY, "holds a public key"),
    ],
)
def test_a_weak_or_misplaced_survey_secret_is_refused_at_start_up(secret: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        ServiceSettings(survey_secret=secret)


def test_without_a_shared_secret_surveys_answer_503_and_tokens_are_problems() -> None:
    only_public = ServiceSettings(jwt_algorithm="EdDSA", jwt_public_key=PUBLIC_KEY)
    assert only_public.survey_key is None
    with pytest.raises(Problem) as refused:
        survey_signer(only_public)
    assert refused.value.status == 503
    settings = ServiceSettings()
    token, _ = survey_signer(settings).issue(uuid4(), RESOLVED)
    with pytest.raises(Problem) as expired:
        read_survey_token(settings, token, RESOLVED + SURVEY_VALIDITY)
    assert (expired.value.status, expired.value.code) == (410, "survey-token-expired")
    with pytest.raises(Problem) as forged:
        read_survey_token(settings, token[:-2], RESOLVED)
    assert (forged.value.status, forged.value.code) == (401, "survey-token-refused")
