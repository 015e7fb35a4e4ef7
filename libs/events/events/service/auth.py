"""Bearer JWT authentication: every mutating call is made by an authenticated actor.

Claims: ``sub`` (who), ``roles`` (list), ``team``, ``level`` (authorisation level 1–3:
1 agent, 2 manager, 3 director/legal). Tokens are verified with the configured key; the
embedded default uses a documented development secret (``python -m events.service.devtoken``).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from events.service.problems import Problem
from events.service.settings import DEV_JWT_SECRET, ServiceSettings


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    roles: tuple[str, ...] = ()
    team: str | None = None
    level: int = Field(default=1, ge=1, le=3)


def _unauthenticated(detail: str) -> Problem:
    return Problem(401, "unauthenticated", "Authentication required", detail)


#: Tokens already verified, until their ``exp``: a client sends the same token on every call,
#: and checking its signature and claims again costs more than the rest of a small request's auth.
#: Keyed by the exact token and the verification settings; bounded (least recently used out).
_VERIFIED: OrderedDict[tuple[str, ...], tuple[Actor, float]] = OrderedDict()
_VERIFIED_MAX = 4096


def verify_token(token: str, settings: ServiceSettings, now: Callable[[], float] = time.time) -> Actor:
    """The actor a valid token names; ``now`` (Unix seconds) is the clock ``exp`` is checked
    against, for the cached verification as for a fresh one."""
    moment = now()
    key = (
        token,
        settings.verification_key,
        settings.jwt_algorithm,
        settings.jwt_audience,
        settings.jwt_issuer,
    )
    cached = _VERIFIED.get(key)
    if cached is not None and moment < cached[1]:
        _VERIFIED.move_to_end(key)
        return cached[0]
    actor, expires = _verify(token, settings, moment)
    _VERIFIED[key] = (actor, expires)
    if len(_VERIFIED) > _VERIFIED_MAX:
        _VERIFIED.popitem(last=False)
    return actor


def _verify(token: str, settings: ServiceSettings, now: float) -> tuple[Actor, float]:
    try:
        claims = jwt.decode(
            token,
            settings.verification_key,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "exp"], "verify_exp": False},
        )
        _check_expiry(claims, now)
    except jwt.PyJWTError as error:
        raise _unauthenticated(f"invalid bearer token: {error}") from error
    try:
        return Actor(
            subject=claims["sub"],
            roles=tuple(claims.get("roles", ())),
            team=claims.get("team"),
            level=int(claims.get("level", 1)),
        ), float(claims["exp"])
    except (ValueError, TypeError) as error:
        raise _unauthenticated(f"bad claims: {error}") from error


def _check_expiry(claims: dict[str, Any], now: float) -> None:
    """PyJWT's own ``exp`` check, against ``now`` rather than the wall clock (PyJWT reads
    the wall clock itself); same errors, same messages."""
    try:
        expires = int(claims["exp"])
    except (TypeError, ValueError) as error:
        raise jwt.DecodeError("Expiration Time claim (exp) must be an integer.") from error
    if expires <= now:
        raise jwt.ExpiredSignatureError("Signature has expired")


async def current_actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthenticated("send 'Authorization: Bearer <JWT>'")
    actor = verify_token(token.strip(), request.app.state.settings)
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_level(level: int):  # type: ignore[no-untyped-def]
    """Dependency factory: the actor's authorisation level must be at least ``level``."""

    async def check(actor: CurrentActor) -> Actor:
        if actor.level < level:
            raise Problem(
                403,
                "insufficient-level",
                "Authorisation level too low",
                f"this action needs level {level}; {actor.subject} has {actor.level}",
            )
        return actor

    return Depends(check)


def issue_token(
    subject: str,
    *,
    roles: tuple[str, ...] = ("agent",),
    team: str | None = None,
    level: int = 1,
    secret: str = DEV_JWT_SECRET,
    audience: str = "guichet",
    issuer: str = "guichet",
    ttl: timedelta = timedelta(hours=12),
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "roles": list(roles),
        "team": team,
        "level": level,
        "aud": audience,
        "iss": issuer,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
