"""The kit's erasure (``events.service.erasure``): which values of a parked event are blanked,
how a parking error loses the clear values it quotes, the report's stream, and the read-model
rows the service's hooks report."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from events.catalogue import ERASED, REGISTRY, load_all
from events.catalogue.intake import CustomerRegistered, CustomerUpdated, SubjectDataErased
from events.catalogue.retention import ServiceDataErased
from events.persistence.projectors import Projectors
from events.service.erasure import blanked_message, erasure_stream, scrubbed

SUBJECT = "7d1c8f64-3f0e-4d55-9b40-9a0c2f3b1e11"


def parked(event_type: str, data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": event_type,
        "data": data,
        "pii": {"subject": SUBJECT, "fields": list(fields), "key_id": None},
    }


def test_clear_personal_fields_become_their_erased_value_and_are_listed() -> None:
    message = parked(
        CustomerRegistered.event_type,
        {"customer_id": SUBJECT, "profile": "b2c", "first_name": "Jeanne", "email": "j@exemple.fr"},
        ("first_name", "email", "phone"),
    )
    blanked, values = blanked_message(message, None)
    assert blanked["data"] == {"customer_id": SUBJECT, "profile": "b2c", "first_name": None, "email": None}
    assert blanked["erased_fields"] == ["email", "first_name"]
    assert sorted(values) == ["Jeanne", "j@exemple.fr"]
    assert message["data"]["first_name"] == "Jeanne"  # the caller's message is left as it was


def test_a_field_the_model_requires_reads_as_the_erased_marker() -> None:
    message = parked(
        CustomerUpdated.event_type, {"customer_id": SUBJECT, "changes": {"email": "x@y.fr"}}, ("changes",)
    )
    blanked, values = blanked_message(message, frozenset({"contractual"}))
    assert blanked["data"]["changes"] == REGISTRY.erased_value(CustomerUpdated.event_type, "changes")
    assert values == [{"email": "x@y.fr"}]


def test_sealed_absent_and_other_category_fields_are_left_alone() -> None:
    sealed = {"$pii": {"k": "key-1", "n": "bm9uY2U=", "c": "Y2lwaGVy"}}
    message = parked(
        CustomerRegistered.event_type,
        {"customer_id": SUBJECT, "first_name": sealed, "$pii": ["key-2.abc"]},
        ("first_name", "last_name"),
    )
    assert blanked_message(message, None) == (message, [])
    clear = parked(CustomerRegistered.event_type, {"first_name": "Jeanne"}, ("first_name",))
    assert blanked_message(clear, frozenset({"billing"})) == (clear, [])


def test_an_unknown_type_or_an_undecodable_record_is_blanked_to_none_or_left() -> None:
    unknown = parked("elsewhere.Thing", {"name": "Jeanne"}, ("name",))
    blanked, values = blanked_message(unknown, None)
    assert (blanked["data"], values) == ({"name": None}, ["Jeanne"])
    undecodable = {"undecodable": {"partition": 0, "offset": 3}}
    assert blanked_message(undecodable, None) == (undecodable, [])


def test_an_error_loses_every_clear_text_it_quotes_longest_first() -> None:
    error = "ValidationError: 'Jeanne Martin' and 'Jeanne' and {'email': 'j@exemple.fr'}"
    assert scrubbed(error, ["Jeanne", "Jeanne Martin", {"email": "j@exemple.fr"}, ""]) == (
        f"ValidationError: '{ERASED}' and '{ERASED}' and {{'email': '{ERASED}'}}"
    )
    assert scrubbed("no personal value", ["Jeanne"]) == "no personal value"


def test_one_report_stream_per_service_cause_and_subject() -> None:
    cause = uuid4()
    assert erasure_stream("intake", cause, SUBJECT) == erasure_stream("intake", cause, SUBJECT)
    assert erasure_stream("intake", cause, SUBJECT) != erasure_stream("documents", cause, SUBJECT)
    assert erasure_stream("intake", cause, SUBJECT) != erasure_stream("intake", uuid4(), SUBJECT)


def test_every_producer_declares_its_report_with_the_one_shape() -> None:
    reports = {m.event_type for m in load_all() if issubclass(m, ServiceDataErased)}
    assert {
        "intake.SubjectDataErased",
        "documents.SubjectDataErased",
        "approvals.SubjectDataErased",
    } <= reports
    assert all(REGISTRY.context_of(t) == t.split(".")[0] for t in reports)
    assert SubjectDataErased.model_fields["read_model_rows"].default == 0


def test_the_read_models_report_the_rows_their_hooks_blanked() -> None:
    projectors = Projectors()
    seen: list[tuple[str, frozenset[str] | None]] = []

    @projectors.on_subject_erased
    async def customers(connection: Any, subject: str, categories: frozenset[str] | None) -> int:
        seen.append((subject, categories))
        return 2

    @projectors.on_subject_erased
    async def silent(connection: Any, subject: str, categories: frozenset[str] | None) -> None:
        seen.append((subject, categories))

    rows = asyncio.run(projectors.erase_subject(None, SUBJECT, frozenset({"billing"})))  # type: ignore[arg-type]
    assert rows == 2
    assert seen == [(SUBJECT, frozenset({"billing"}))] * 2
