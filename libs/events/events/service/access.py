"""Who may do what: one declarative access policy per service, stated by every route.

A service writes its policy as data: a table from permission (``"intake:merge-customers"``)
to the ``Rule`` that grants it (some roles, or a minimum authorisation level, or any
authenticated caller). Each route states the permission it needs with
``dependencies=[policy.allow(...)]``; the route class (``described_route``) writes that rule
into the operation's OpenAPI description, so the document and the check share one source.
A refusal is a 403 problem+json naming the missing right and what grants it::

    {"type": ".../forbidden", "missing": "intake:merge-customers",
     "needs": {"roles": ["director", "manager"], "level": 2}}

Need-to-know (``ReadScope``): which teams' records an actor may read. Agents and managers
read their own teams' (and the records no team owns yet, the shared inbox); directors,
quality and auditors read across teams; the DPO reads all personal data, including customers
no request links to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Depends
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from events.service.auth import ROLES, Actor, CurrentActor
from events.service.problems import Problem

__all__ = [
    "AccessPolicy",
    "ReadScope",
    "Rule",
    "anyone",
    "at_least",
    "declared_permission",
    "described_route",
    "only",
    "read_scope",
]


@dataclass(frozen=True)
class Rule:
    """Who holds a permission: any authenticated caller, or a caller with one of ``roles``,
    or (when ``level`` is set) a caller of at least that authorisation level."""

    roles: frozenset[str] = frozenset()
    level: int | None = None
    everyone: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        unknown = self.roles - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}: the roles are {', '.join(ROLES)}")
        if self.level is not None and not 1 <= self.level <= 3:
            raise ValueError("a level is 1, 2 or 3")

    def allows(self, actor: Actor) -> bool:
        if self.everyone:
            return True
        if self.roles.intersection(actor.roles):
            return True
        return self.level is not None and actor.level >= self.level

    def needs(self) -> dict[str, Any]:
        """What grants it, as the 403 body's ``needs`` shows it."""
        needs: dict[str, Any] = {"roles": sorted(self.roles)}
        if self.level is not None:
            needs["level"] = self.level
        return needs

    def grantees(self) -> str:
        """Who holds it, in words."""
        if self.everyone:
            return "any authenticated caller"
        parts = [f"role {' or '.join(sorted(self.roles))}"] if self.roles else []
        if self.level is not None:
            parts.append(f"level {self.level} or more")
        return ", or ".join(parts)

    def describe(self) -> str:
        return f"{self.grantees()}. {self.note}" if self.note else self.grantees()


def anyone(note: str = "") -> Rule:
    """Any authenticated caller (what they see may still be filtered by ``ReadScope``)."""
    return Rule(everyone=True, note=note)


def only(*roles: str, note: str = "") -> Rule:
    """Callers holding one of ``roles``, whatever their level."""
    return Rule(roles=frozenset(roles), note=note)


def at_least(level: int, *roles: str, note: str = "") -> Rule:
    """Callers of at least ``level``, or holding one of ``roles``."""
    return Rule(roles=frozenset(roles), level=level, note=note)


class AccessPolicy:
    """A service's table of permissions; ``allow`` makes the dependency a route states."""

    def __init__(self, rules: Mapping[str, Rule]) -> None:
        self.rules = dict(rules)

    def rule(self, permission: str) -> Rule:
        return self.rules[permission]

    def check(self, actor: Actor, permission: str) -> Actor:
        """``actor`` if the policy grants them ``permission``; a 403 naming it otherwise."""
        rule = self.rules[permission]
        if rule.allows(actor):
            return actor
        raise Problem(
            403,
            "forbidden",
            "Not allowed",
            f"{permission} needs {rule.grantees()}",
            missing=permission,
            needs=rule.needs(),
        )

    def allow(self, permission: str) -> Any:
        """``dependencies=[policy.allow("intake:merge-customers")]`` on a route, or the
        ``Depends`` of an actor parameter: the caller must hold ``permission``."""
        if permission not in self.rules:
            raise KeyError(f"{permission} is not in the policy")

        async def allowed(actor: CurrentActor) -> Actor:
            return self.check(actor, permission)

        allowed.permission = permission  # type: ignore[attr-defined]
        allowed.rule = self.rules[permission]  # type: ignore[attr-defined]
        return Depends(allowed)


def declared_permission(route: APIRoute) -> tuple[str, Rule] | None:
    """The permission a route states (through ``AccessPolicy.allow``), if any."""
    for call in _calls(route.dependant):
        permission = getattr(call, "permission", None)
        if permission is not None:
            return permission, call.rule  # type: ignore[attr-defined]
    return None


def _calls(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def described_route(route_class: type[APIRoute]) -> type[APIRoute]:
    """``route_class`` whose operations' descriptions end with the access rule they state."""

    class DescribedRoute(route_class):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            declared = declared_permission(self)
            if declared is not None:
                permission, rule = declared
                access = f"**Access** (`{permission}`): {rule.describe()}"
                description: str = getattr(self, "description", None) or ""
                if access not in description:
                    self.description = f"{description}\n\n{access}" if description else access

    return DescribedRoute


#: Roles that read across teams; the DPO also reads customers no request links to.
ACROSS_TEAMS = frozenset({"director", "quality", "auditor", "dpo"})
ALL_PERSONAL_DATA = frozenset({"dpo"})


@dataclass(frozen=True)
class ReadScope:
    """Whose records an actor may read. ``teams is None``: every team's."""

    teams: frozenset[str] | None
    all_personal_data: bool = False

    @property
    def across_teams(self) -> bool:
        return self.teams is None

    def covers_team(self, team: str | None) -> bool:
        """A record owned by ``team``; a record no team owns yet is in everyone's inbox."""
        return self.teams is None or team is None or team in self.teams


def read_scope(actor: Actor) -> ReadScope:
    """Need-to-know: a director (role or level 3), quality, an auditor, the DPO read across
    teams; everyone else their own teams'."""
    roles = set(actor.roles)
    if roles & ACROSS_TEAMS or actor.level >= 3:
        return ReadScope(teams=None, all_personal_data=bool(roles & ALL_PERSONAL_DATA))
    return ReadScope(teams=frozenset(actor.teams))
