"""Property-based run over the OpenAPI document: no generated input makes intake answer 5xx."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings
from intake.service import DEFINITION

_DATA = Path(tempfile.mkdtemp(prefix="intake-schemathesis-"))
atexit.register(shutil.rmtree, _DATA, ignore_errors=True)
app = create_service_app(
    DEFINITION, ServiceSettings(service="intake", data_dir=_DATA, log_json=False, log_level="ERROR")
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
AUTH = {"Authorization": f"Bearer {issue_token('fuzzer', level=3)}"}


@pytest.fixture(scope="module", autouse=True)
def ready() -> None:
    readyz = schema["/readyz"]["GET"]
    deadline = time.monotonic() + 15
    while readyz.Case().call().status_code != 200:
        assert time.monotonic() < deadline, "intake did not become ready"
        time.sleep(0.05)


@schema.exclude(path_regex="^/(metrics|healthz|readyz)$").parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_generated_call_answers_a_server_error(case) -> None:
    case.call_and_validate(headers=AUTH, checks=[not_a_server_error])
