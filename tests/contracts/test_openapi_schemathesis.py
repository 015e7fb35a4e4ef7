"""Each service's OpenAPI document, held to by the service: schemathesis generates valid and
invalid calls from the document and runs every check on each answer (no server error, a
documented status, content type and headers, a body that fits the documented schema, invalid
input refused, a missing required header refused, auth enforced, 405 with Allow for methods
the document does not name). In process over ASGI, on the embedded default, with a token that
holds every role at level 3, so that answers are about the contract and not about access.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from events.service.app import create_service_app
from events.service.auth import ROLES, issue_token
from events.service.runtime import ServiceDefinition
from events.service.settings import ServiceSettings

_DATA = Path(tempfile.mkdtemp(prefix="guichet-schemathesis-"))
atexit.register(shutil.rmtree, _DATA, ignore_errors=True)

#: Answers a check accepts on top of its defaults, each for a reason the schema cannot express.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # RFC 6585: a missing If-Match is 428 Precondition Required, a documented answer.
            "missing_required_header": {
                "expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]
            },
            # Valid data still meets the state of the service: a random If-Match is stale (412),
            # a deadline must lie ahead of the service's clock (422), an id names nothing (404).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422"]
            },
        },
    }
)
AUTH = {"Authorization": f"Bearer {issue_token('contract-probe', roles=ROLES, team='support', level=3)}"}


def _schema(module: str, name: str) -> Any:
    definition: ServiceDefinition = __import__(module, fromlist=["DEFINITION"]).DEFINITION
    service_settings = ServiceSettings(service=name, data_dir=_DATA / name, log_json=False, log_level="ERROR")
    app = create_service_app(definition, service_settings)
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)


intake = _schema("intake.service", "intake")
sla_clock = _schema("sla_clock.service", "sla-clock")
approvals = _schema("approvals.service", "approvals")
documents = _schema("documents.service", "documents")
retention = _schema("retention.service", "retention")
EXAMPLES = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


SCHEMA_OF = {
    "test_intake_answers_as_its_openapi_says": intake,
    "test_sla_clock_answers_as_its_openapi_says": sla_clock,
    "test_approvals_answers_as_its_openapi_says": approvals,
    "test_documents_answers_as_its_openapi_says": documents,
    "test_retention_answers_as_its_openapi_says": retention,
}


def _wait_ready(schema: Any) -> None:
    readyz = schema["/readyz"]["GET"]
    deadline = time.monotonic() + 30
    while readyz.Case().call().status_code != 200:
        assert time.monotonic() < deadline, f"{schema.raw_schema['info']['title']} is not ready"
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def service_ready(request: pytest.FixtureRequest) -> None:
    """The test's service started and ready. Its lifespan runs from the first call to the end
    of the test (schemathesis's plugin ends every ASGI lifespan when a test ends)."""
    schema = SCHEMA_OF.get(request.node.originalname)
    if schema is not None:
        _wait_ready(schema)


def _holds_to_its_document(case: Any) -> None:
    case.call_and_validate(headers=AUTH)


@intake.parametrize()
@EXAMPLES
def test_intake_answers_as_its_openapi_says(case: Any) -> None:
    _holds_to_its_document(case)


@sla_clock.parametrize()
@EXAMPLES
def test_sla_clock_answers_as_its_openapi_says(case: Any) -> None:
    _holds_to_its_document(case)


@approvals.parametrize()
@EXAMPLES
def test_approvals_answers_as_its_openapi_says(case: Any) -> None:
    _holds_to_its_document(case)


@documents.parametrize()
@EXAMPLES
def test_documents_answers_as_its_openapi_says(case: Any) -> None:
    _holds_to_its_document(case)


@retention.parametrize()
@EXAMPLES
def test_retention_answers_as_its_openapi_says(case: Any) -> None:
    _holds_to_its_document(case)


class IntakeWorkflow(intake.as_state_machine()):  # type: ignore[misc]
    """Sequences of calls along the links schemathesis infers (a request created, then read,
    qualified, transferred... by the id it was given), every answer checked as above."""

    def setup(self) -> None:
        _wait_ready(intake)

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": AUTH}


TestIntakeWorkflow = IntakeWorkflow.TestCase
TestIntakeWorkflow.settings = settings(
    max_examples=15,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
