"""Bearer JWT authentication: who calls, read from a verified token with strict claim types.

Claims: ``sub`` (who: a non-empty string), ``name`` (display name, optional), ``teams`` (a
list of strings; a ``team`` string counts as one more team), ``roles`` (a list of strings:
those of ``ROLES`` count, any other role grants nothing and is dropped), ``level``
(authorisation level, an integer 1–3: 1 agent, 2 manager, 3 director/legal; 1 when absent).
A claim of the wrong type (``roles: "admin"``, ``level: "3"``, ``2.9``, ``true``, ``1e999``)
is a 401: a token an issuer got wrong is refused, never guessed at. Tokens are verified with
the configured key; the embedded default uses a documented development secret
(``python -m events.service.devtoken``). What an actor may do is ``events.service.access``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

import jwt
from fastapi import Depends, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from events.service.problems import Problem
from events.service.settings import DEV_JWT_SECRET, ServiceSettings

D = TypeVar("D", bound=Callable[..., Any])

#: The roles a token may carry; each route's policy names some of them (``events.service.access``).
ROLES = ("agent", "manager", "director", "quality", "dpo", "auditor", "ops")


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1)
    name: str | None = None
    teams: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
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
        raise _unauthenticated(_token_refusal(error)) from None
    return actor_of(claims), float(claims["exp"])


def _token_refusal(error: jwt.PyJWTError) -> str:
    """A short reason, in our words: PyJWT's messages are its own and may change."""
    if isinstance(error, jwt.ExpiredSignatureError):
        return "the token has expired"
    if isinstance(error, jwt.InvalidSignatureError):
        return "Signature invalid: the token was not signed with this service's key"
    if isinstance(error, jwt.InvalidAudienceError):
        return "the token is meant for another audience"
    if isinstance(error, jwt.InvalidIssuerError):
        return "the token comes from another issuer"
    if isinstance(error, jwt.exceptions.InvalidSubjectError):
        return "claim 'sub' must be a non-empty string"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the token has no {error.claim!r} claim"
    if isinstance(error, jwt.InvalidAlgorithmError):
        return "the token is signed with an algorithm this service does not accept"
    return "the bearer token is malformed"


def actor_of(claims: dict[str, Any]) -> Actor:
    """The actor verified claims name; 401 naming the first claim of the wrong type."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise _unauthenticated("claim 'sub' must be a non-empty string")
    name = claims.get("name")
    if name is not None and not isinstance(name, str):
        raise _unauthenticated("claim 'name' must be a string")
    level = claims.get("level", 1)
    if type(level) is not int or not 1 <= level <= 3:
        raise _unauthenticated("claim 'level' must be the integer 1, 2 or 3")
    return Actor(
        subject=subject,
        name=name,
        teams=_teams(claims),
        roles=tuple(role for role in _strings(claims, "roles") if role in ROLES),
        level=level,
    )


def _strings(claims: dict[str, Any], claim: str) -> tuple[str, ...]:
    values = claims.get(claim, [])
    if values is None:
        return ()
    if not isinstance(values, list) or not all(isinstance(value, str) and value for value in values):
        raise _unauthenticated(f"claim {claim!r} must be a list of non-empty strings")
    return tuple(dict.fromkeys(values))


def _teams(claims: dict[str, Any]) -> tuple[str, ...]:
    team = claims.get("team")
    if team is not None and (not isinstance(team, str) or not team):
        raise _unauthenticated("claim 'team' must be a non-empty string")
    teams = _strings(claims, "teams")
    return tuple(dict.fromkeys(teams + ((team,) if team else ())))


def _check_expiry(claims: dict[str, Any], now: float) -> None:
    """PyJWT's own ``exp`` check, against ``now`` rather than the wall clock (PyJWT reads
    the wall clock itself); same errors, same messages."""
    try:
        expires = int(claims["exp"])
    except (TypeError, ValueError) as error:
        raise jwt.DecodeError("Expiration Time claim (exp) must be an integer.") from error
    if expires <= now:
        raise jwt.ExpiredSignatureError("Signature has expired")


#: The bearer scheme in the OpenAPI: every operation that depends on it lists it as its security.
bearer_scheme = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="A JWT naming the caller: sub, name, teams, roles, level (1-3).",
    auto_error=False,
)


async def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> Actor:
    if credentials is None or not credentials.credentials.strip():
        raise _unauthenticated("send 'Authorization: Bearer <JWT>'")
    actor = verify_token(credentials.credentials.strip(), request.app.state.settings)
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


CredentialCheck = Callable[[Request], Problem | None]


def _bearer_refusal(request: Request) -> Problem | None:
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() != "bearer" or not credentials.strip():
        return _unauthenticated("send 'Authorization: Bearer <JWT>'")
    try:
        verify_token(credentials.strip(), request.app.state.settings)
    except Problem as refused:
        return refused
    return None


def checks_credential(check: CredentialCheck) -> Callable[[D], D]:
    """Mark a dependency that authenticates by other means than a bearer token (a signed
    token in the path): ``check`` says, from the request alone, whether the credential is
    refused, so that it is answered before the body is read, like a missing bearer."""

    def mark(dependency: D) -> D:
        dependency.__credential_check__ = check  # type: ignore[attr-defined]
        return dependency

    return mark


def credential_checks(route: APIRoute) -> tuple[CredentialCheck, ...]:
    """How ``route`` authenticates its caller: the bearer token when one of its dependencies is
    ``current_actor``, and the checks its dependencies declare; found once, kept on the route."""
    known: tuple[CredentialCheck, ...] | None = getattr(route, "_credential_checks", None)
    if known is None:
        calls = list(_calls(route.dependant))
        declared = tuple(call.__credential_check__ for call in calls if hasattr(call, "__credential_check__"))
        known = ((_bearer_refusal,) if current_actor in calls else ()) + declared
        route._credential_checks = known  # type: ignore[attr-defined]
    return known


def authenticates(route: APIRoute) -> bool:
    """Whether ``route`` authenticates its caller (a bearer token or a declared credential)."""
    return bool(credential_checks(route))


def unauthenticated_caller(request: Request) -> Problem | None:
    """The 401 the matched route would answer this request, or None: the route needs no
    credential, or the request carries a valid one. Checked when the request failed before its
    route ran (a body that does not parse, an invalid parameter), so that an unauthenticated
    caller learns nothing about a route's input."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return None
    for check in credential_checks(route):
        refused = check(request)
        if refused is not None:
            return refused
    return None


def install_authentication_first(app: FastAPI) -> None:
    """Answer 401 before a validation error on routes that authenticate: FastAPI reads and
    decodes the body before it runs any dependency, so a malformed body would otherwise be
    refused (400/422) before the missing token. Wraps the app's handlers of those errors."""
    render_problem: Callable[..., Awaitable[Response]] = app.exception_handlers[Problem]  # type: ignore[assignment]
    for kind in (RequestValidationError, StarletteHTTPException):
        handler: Callable[..., Awaitable[Response]] = app.exception_handlers[kind]  # type: ignore[assignment]

        async def authenticated_first(
            request: Request, error: Exception, handler: Callable[..., Awaitable[Response]] = handler
        ) -> Response:
            problem = unauthenticated_caller(request)
            client_error = not isinstance(error, StarletteHTTPException) or error.status_code in (400, 422)
            if problem is not None and client_error:
                return await render_problem(request, problem)
            return await handler(request, error)

        app.add_exception_handler(kind, authenticated_first)


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
    teams: tuple[str, ...] = (),
    name: str | None = None,
    level: int = 1,
    secret: str = DEV_JWT_SECRET,
    audience: str = "guichet",
    issuer: str = "guichet",
    ttl: timedelta = timedelta(hours=12),
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": list(roles),
        "team": team,
        "teams": list(teams),
        "level": level,
        "aud": audience,
        "iss": issuer,
        "iat": now,
        "exp": now + ttl,
    }
    if name is not None:
        claims["name"] = name
    return jwt.encode(claims, secret, algorithm="HS256")
