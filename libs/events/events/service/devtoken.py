"""Print a development bearer token for the embedded default.

python -m events.service.devtoken --sub alice --teams support billing --level 2 --roles agent manager

Roles: agent, manager, director, quality, dpo, auditor, ops (``events.service.auth.ROLES``).
``--team`` is kept for scripts that name one team; it adds to ``--teams``.
"""

import argparse
import os

from events.service.auth import ROLES, issue_token
from events.service.settings import DEV_JWT_SECRET


def words(value: str) -> list[str]:
    """``"agent,manager"`` or ``"agent manager"``: the Makefile passes one string."""
    return [word for word in value.replace(",", " ").split() if word]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sub", default="dev-agent")
    parser.add_argument("--name", default=None, help="display name")
    parser.add_argument("--roles", nargs="*", default=["agent"], help="roles, space- or comma-separated")
    parser.add_argument("--teams", nargs="*", default=[], help="teams, space- or comma-separated")
    parser.add_argument("--team", default=None)
    parser.add_argument("--level", type=int, choices=(1, 2, 3), default=1)
    arguments = parser.parse_args()
    roles = [role for value in arguments.roles for role in words(value)]
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        parser.error(f"unknown roles {', '.join(unknown)}; the roles are {', '.join(ROLES)}")
    teams = tuple(team for value in arguments.teams for team in words(value))
    secret = os.environ.get("GUICHET_JWT_SECRET", DEV_JWT_SECRET)
    print(
        issue_token(
            arguments.sub,
            name=arguments.name,
            roles=tuple(roles),
            team=arguments.team or None,
            teams=teams,
            level=arguments.level,
            secret=secret,
        )
    )


if __name__ == "__main__":
    main()
