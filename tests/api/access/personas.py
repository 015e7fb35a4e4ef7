"""Tokens for the access tests: a subject with roles, a level and teams."""

from __future__ import annotations

from events.service.auth import issue_token


def bearer(
    subject: str, *roles: str, level: int = 1, teams: tuple[str, ...] = ("support",)
) -> dict[str, str]:
    token = issue_token(subject, roles=roles, teams=teams, level=level)
    return {"Authorization": f"Bearer {token}"}
