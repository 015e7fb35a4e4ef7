"""Intake API on the embedded default (SQLite, in-process bus), with a clock the test controls."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings
from intake.service import DEFINITION

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class MovableClock:
    def __init__(self, now: datetime = START) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


#: The desk's roles: every right intake's functional tests exercise (manager actions, customers
#: not linked to a request yet); who may do what is tested in tests/api/access.
DESK_ROLES = ("agent", "manager", "dpo")


def bearer(subject: str = "alice", level: int = 1, roles: tuple[str, ...] = DESK_ROLES) -> dict[str, str]:
    token = issue_token(subject, roles=roles, team="front_office", level=level)
    return {"Authorization": f"Bearer {token}"}


class Desk:
    """A thin agent-desk client: the calls a front end makes, with the ETag bookkeeping."""

    def __init__(self, client: TestClient, clock: MovableClock) -> None:
        self.client, self.clock, self.auth = client, clock, bearer()

    def post(self, path: str, json: object = None, **headers: str):
        return self.client.post(path, json=json, headers=self.auth | headers)

    def command(self, request: dict, action: str, json: object = None):
        """POST a command on a request with If-Match = the version last read."""
        return self.post(
            f"/requests/{request['request_id']}/{action}", json, **{"If-Match": f'"{request["version"]}"'}
        )

    def get(self, path: str, **params):
        return self.client.get(path, params=params, headers=self.auth)

    def new_request(self, **fields) -> dict:
        body = {
            "channel": "email",
            "received_at": (self.clock.now() - timedelta(hours=1)).isoformat(),
            "contact": "jean.martin@exemple.fr",
            "subject": "Facture erronée",
            "description": "Montant facturé deux fois",
            "category": "billing",
        } | fields
        response = self.post("/requests", body)
        assert response.status_code == 201, response.text
        return response.json()

    def new_customer(self, **fields) -> dict:
        body = {
            "profile": "b2c",
            "first_name": "Éloïse",
            "last_name": "Dupont",
            "email": "eloise.dupont@exemple.fr",
            "phone": "06 12 34 56 78",
        } | fields
        response = self.post("/customers", body)
        assert response.status_code == 201, response.text
        return response.json()


def make_client(tmp_path, clock: MovableClock, **settings) -> TestClient:
    definition = replace(DEFINITION, extra={"clock": clock})
    return TestClient(
        create_service_app(
            definition, ServiceSettings(service="intake", data_dir=tmp_path, log_json=False, **settings)
        )
    )


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def client(tmp_path, clock, wait_ready):
    with make_client(tmp_path, clock) as client:
        readyz = wait_ready(client)
        assert readyz.status_code == 200, readyz.json()
        yield client


@pytest.fixture
def desk(client, clock) -> Desk:
    return Desk(client, clock)
