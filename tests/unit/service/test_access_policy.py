"""The kit's identity and access rules: strict token claims, rules that grant a permission,
403s naming the missing right, need-to-know scopes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import orjson
import pytest

from events.service.access import AccessPolicy, Rule, anyone, at_least, only, read_scope
from events.service.auth import Actor, issue_token, verify_token
from events.service.problems import Problem
from events.service.settings import DEV_JWT_SECRET, ServiceSettings

SETTINGS = ServiceSettings(service="kit", log_json=False)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(claims: dict[str, Any], **literal: str) -> str:
    """An HS256 token signed with the development secret; ``literal`` claims are written into
    the JSON as they are (``level="1e999"``), as a careless issuer could."""
    payload = {"sub": "eve", "aud": "guichet", "iss": "guichet", "exp": int(time.time()) + 600} | claims
    body = orjson.dumps(payload).decode()
    for name, text in literal.items():
        body = body[:-1] + f',"{name}":{text}}}'
    header = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
    signing_input = f"{header}.{_b64(body.encode())}"
    signature = hmac.new(DEV_JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def refusal(token: str) -> str:
    with pytest.raises(Problem) as refused:
        verify_token(token, SETTINGS)
    assert refused.value.status == 401
    detail = str(refused.value.detail)
    assert "pydantic" not in detail and "PyJWT" not in detail and "Traceback" not in detail
    return detail


@pytest.mark.parametrize(
    ("claims", "literal", "claim"),
    [
        ({"level": "３"}, {}, "level"),
        ({"level": "2"}, {}, "level"),
        ({"level": 2.9}, {}, "level"),
        ({"level": 2.0}, {}, "level"),
        ({"level": True}, {}, "level"),
        ({"level": 4}, {}, "level"),
        ({"level": 0}, {}, "level"),
        ({}, {"level": "1e999"}, "level"),
        ({"roles": "admin"}, {}, "roles"),
        ({"roles": ["agent", 3]}, {}, "roles"),
        ({"teams": "support"}, {}, "teams"),
        ({"team": ["support"]}, {}, "team"),
        ({"sub": ""}, {}, "sub"),
        ({"sub": "   "}, {}, "sub"),
        ({"sub": 42}, {}, "sub"),
        ({"name": ["Eve"]}, {}, "name"),
    ],
)
def test_a_claim_of_the_wrong_type_is_a_401_naming_it(
    claims: dict[str, Any], literal: dict[str, str], claim: str
) -> None:
    assert f"'{claim}'" in refusal(raw_token(claims, **literal))


def test_the_claims_make_the_actor() -> None:
    token = raw_token(
        {
            "name": "Eve Martin",
            "teams": ["billing"],
            "team": "support",
            "roles": ["agent", "admin"],
            "level": 2,
        }
    )
    assert verify_token(token, SETTINGS) == Actor(
        subject="eve", name="Eve Martin", teams=("billing", "support"), roles=("agent",), level=2
    )


def test_absent_claims_default_to_a_level_1_caller_with_no_role_and_no_team() -> None:
    assert verify_token(raw_token({}), SETTINGS) == Actor(subject="eve")


def test_a_refused_token_says_why_in_our_words() -> None:
    assert refusal(issue_token("eve", secret="x" * 40)).startswith("Signature invalid")
    assert refusal(issue_token("eve", audience="elsewhere")) == "the token is meant for another audience"
    assert refusal("not-a-token") == "the bearer token is malformed"


def agent(*roles: str, level: int = 1, teams: tuple[str, ...] = ("support",)) -> Actor:
    return Actor(subject="someone", roles=roles, level=level, teams=teams)


def test_a_rule_grants_by_role_or_by_level() -> None:
    managers = at_least(2, "manager", "director")
    assert managers.allows(agent("manager")) and managers.allows(agent("director"))
    assert managers.allows(agent("agent", level=2)) and managers.allows(agent(level=3))
    assert not managers.allows(agent("agent")) and not managers.allows(agent("quality", "auditor"))
    ops = only("ops")
    assert ops.allows(agent("ops")) and not ops.allows(agent("agent", level=3))
    assert anyone().allows(agent())


def test_a_rule_names_only_known_roles() -> None:
    with pytest.raises(ValueError, match="admin"):
        only("admin")
    with pytest.raises(ValueError, match="level"):
        Rule(level=4)


def test_a_refusal_is_a_403_naming_the_missing_right_and_what_grants_it() -> None:
    policy = AccessPolicy({"intake:merge-customers": at_least(2, "manager", "director")})
    assert policy.check(agent("manager"), "intake:merge-customers").roles == ("manager",)
    with pytest.raises(Problem) as refused:
        policy.check(agent("agent"), "intake:merge-customers")
    problem = refused.value
    assert (problem.status, problem.code) == (403, "forbidden")
    assert problem.extra == {
        "missing": "intake:merge-customers",
        "needs": {"roles": ["director", "manager"], "level": 2},
    }
    assert problem.detail == "intake:merge-customers needs role director or manager, or level 2 or more"


def test_a_route_cannot_state_a_permission_the_policy_lacks() -> None:
    with pytest.raises(KeyError, match="intake:nothing"):
        AccessPolicy({}).allow("intake:nothing")


def test_need_to_know_agents_and_managers_read_their_teams() -> None:
    scope = read_scope(agent("agent", "manager", level=2, teams=("support", "billing")))
    assert scope.teams == frozenset({"support", "billing"}) and not scope.all_personal_data
    assert scope.covers_team("billing") and scope.covers_team(None) and not scope.covers_team("marketing")
    assert read_scope(agent("agent", teams=())).teams == frozenset()


@pytest.mark.parametrize(
    ("roles", "level"), [(("quality",), 1), (("auditor",), 1), (("director",), 1), ((), 3)]
)
def test_need_to_know_quality_auditors_and_directors_read_across_teams(
    roles: tuple[str, ...], level: int
) -> None:
    scope = read_scope(agent(*roles, level=level))
    assert scope.across_teams and scope.covers_team("marketing") and not scope.all_personal_data


def test_need_to_know_the_dpo_reads_all_personal_data() -> None:
    scope = read_scope(agent("dpo"))
    assert scope.across_teams and scope.all_personal_data


def test_the_development_token_carries_roles_and_teams(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from events.service import devtoken

    arguments = [
        "devtoken",
        "--sub",
        "eve",
        "--roles",
        "agent,dpo",
        "--teams",
        "billing ops",
        "--team",
        "support",
    ]
    monkeypatch.setattr("sys.argv", [*arguments, "--level", "2"])
    monkeypatch.delenv("GUICHET_JWT_SECRET", raising=False)
    devtoken.main()
    actor = verify_token(capsys.readouterr().out.strip(), SETTINGS)
    assert actor == Actor(subject="eve", roles=("agent", "dpo"), teams=("billing", "ops", "support"), level=2)
    monkeypatch.setattr("sys.argv", ["devtoken", "--roles", "admin"])
    with pytest.raises(SystemExit):
        devtoken.main()
    assert "unknown roles admin" in capsys.readouterr().err
