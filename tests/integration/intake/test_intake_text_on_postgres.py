"""The printable-text rule answers the same on PostgreSQL as on SQLite: a NUL byte is a 422
naming the field (it used to be a 500 here and stored on SQLite), and zero-width characters
are removed before storing and before duplicate detection."""

from __future__ import annotations

from uuid import uuid4

from fastapi.testclient import TestClient
from test_intake_postgres_kafka import wait_ready

from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings
from events.testing.servers import make_database
from intake.service import DEFINITION

SECRET = "intake-text-integration-secret-0123456789"


async def test_text_fields_are_cleaned_the_same_on_postgres(postgres_url, tmp_path):
    url = await make_database(postgres_url, f"intake_{uuid4().hex[:12]}")
    settings = ServiceSettings(
        service="intake", data_dir=tmp_path, database_url=url, jwt_secret=SECRET, log_json=False
    )
    auth = {"Authorization": f"Bearer {issue_token('alice', level=2, team='support', secret=SECRET)}"}
    with TestClient(create_service_app(DEFINITION, settings)) as client:
        wait_ready(client)
        person = {"profile": "b2c", "first_name": "Anna", "last_name": "Martin", "email": "anna@exemple.de"}
        nul = client.post(
            "/customers",
            headers=auth,
            json=person | {"address": {"postal_code": "10\x00115", "country": "DE"}},
        )
        assert nul.status_code == 422, nul.text
        assert nul.headers["content-type"] == "application/problem+json"
        assert [e["field"].split(".")[-1] for e in nul.json()["errors"]] == ["postal_code"]

        created = client.post("/customers", headers=auth, json=person | {"first_name": "An\u200bna\ufeff"})
        assert created.status_code == 201, created.text
        assert created.json()["first_name"] == "Anna"
        twin = client.post(
            "/customers",
            headers=auth,
            json={
                "profile": "b2c",
                "first_name": "A\u200cnna",
                "last_name": "Mar\u2060tin",
                "email": "anna@exemple.de",
            },
        )
        assert twin.status_code == 409, twin.text
        assert twin.json()["candidates"][0]["customer_id"] == created.json()["customer_id"]
