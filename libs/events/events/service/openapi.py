"""The error responses of every operation in the OpenAPI document, as problem+json.

FastAPI documents only a 422 in its own ``application/json`` shape. The kit knows which
problems an operation can answer from what the route is made of, so they are derived once here
rather than written by hand on each route:

- 401 when the route authenticates (``current_actor``); 403 when an access check can refuse;
  whatever its dependencies declare with :func:`events.service.problems.answers` (400/412/428
  for If-Match, 503 while a service is starting);
- 404 when the path names a resource by id (a UUID path parameter);
- 409 for an authenticated write with input (a concurrent write, a state that forbids it);
- 400, 408, 413 and 422 for a body (decodable, read in time, within the limit, valid);
- 422 when there is any input to validate;
- any error response a route declares itself keeps its description and gets the problem schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import BaseRoute

from events.service.auth import current_actor
from events.service.problems import PROBLEM_JSON, PROBLEM_SCHEMA, problem_statuses

__all__ = ["document_problems", "error_statuses", "install_openapi"]

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KIT_STATUSES: dict[Callable[..., Any], frozenset[int]] = {current_actor: frozenset({401})}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _path_params(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.path_params
    for sub in dependant.dependencies:
        yield from _path_params(sub)


def _all_params(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.path_params
    yield from dependant.query_params
    yield from dependant.header_params
    yield from dependant.cookie_params
    for sub in dependant.dependencies:
        yield from _all_params(sub)


def _has_body(dependant: Dependant) -> bool:
    return bool(dependant.body_params) or any(_has_body(sub) for sub in dependant.dependencies)


def _refuses(call: Callable[..., Any], names_a_resource: bool) -> bool:
    """Whether a dependency is an access check that can refuse (403): a policy's permission
    (``events.service.access``) that not everyone holds, or that guards a resource read under
    need-to-know; or a minimum level (``require_level``)."""
    rule = getattr(call, "rule", None)
    if getattr(call, "permission", None) is not None and rule is not None:
        return not getattr(rule, "everyone", False) or names_a_resource
    return getattr(call, "__qualname__", "").startswith("require_level.")


def error_statuses(route: RouteContext, method: str) -> set[int]:
    """The problem statuses ``method`` on ``route`` can answer."""
    dependant = route.dependant
    names_a_resource = any(param.field_info.annotation is UUID for param in _path_params(dependant))
    statuses: set[int] = {404} if names_a_resource else set()
    for call in _calls(dependant):
        statuses |= _KIT_STATUSES.get(call, frozenset()) | problem_statuses(call)
        if _refuses(call, names_a_resource):
            statuses.add(403)
    has_input = _has_body(dependant) or any(True for _ in _all_params(dependant))
    if has_input:
        statuses.add(422)
    if has_input and method in WRITES and 401 in statuses:
        statuses.add(409)
    if _has_body(dependant):
        statuses |= {400, 408, 413}
    return statuses


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}


def document_problems(document: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """``document`` with every operation's error responses as problem+json (changed in place)."""
    paths = document.get("paths", {})
    for route in iter_route_contexts(list(routes)):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for status in error_statuses(route, method) | declared:
                description = responses.get(str(status), {}).get("description")
                if status == 422 or not description:
                    description = HTTPStatus(status).phrase
                responses[str(status)] = _problem_response(description)
            operation["responses"] = dict(sorted(responses.items()))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve ``app``'s OpenAPI document with its problem responses (built once, on first use)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
