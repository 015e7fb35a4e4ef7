"""A document submitted for validation, as the approval it requests: kind, amount, author,
request, and the level (the rules' or the document's minimum, whichever is higher)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

from approvals.app.documents import approval_id_of, submission_of
from approvals.domain.approval import Approval
from approvals.domain.levels import DEFAULT_RULES
from events.catalogue.approvals import Money
from events.catalogue.documents import DocumentSubmittedForValidation

AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def document(kind: str, minimum_level: int = 1, **fields: object) -> DocumentSubmittedForValidation:
    values: dict[str, object] = {
        "document_id": uuid4(),
        "kind": kind,
        "request_id": uuid4(),
        "customer_id": uuid4(),
        "content_hash": "cd" * 32,
        "minimum_level": minimum_level,
        "channel": "email",
        "submitted_by": "alice",
        "submitted_at": AT,
    } | fields
    return DocumentSubmittedForValidation.model_validate(values)


def level_of(event: DocumentSubmittedForValidation) -> int:
    return Approval.submit(approval_id_of(event), submission_of(event, "alice"), DEFAULT_RULES, AT).level


def test_a_quote_is_validated_as_a_contract_with_its_total() -> None:
    submission = submission_of(document("quote", amount_incl_tax="71.96", currency="EUR"), "alice")
    assert (submission.kind, submission.amounts) == (
        "contract",
        (Money(amount=Decimal("71.96"), currency="EUR"),),
    )
    assert level_of(document("quote", amount_incl_tax="71.96", currency="EUR")) == 3


def test_the_level_is_the_higher_of_the_rules_and_the_documents_minimum() -> None:
    assert level_of(document("response_letter")) == 1
    assert level_of(document("delay_notice", minimum_level=2)) == 2
    assert level_of(document("response_letter", amount_incl_tax="200", currency="EUR")) == 2
    assert level_of(document("amendment", minimum_level=1)) == 3


def test_the_author_is_the_events_actor_and_a_document_without_request_is_its_own() -> None:
    event = document("status_message", request_id=None)
    submission = submission_of(event, "bruno")
    assert (submission.author, submission.request_id) == ("bruno", event.document_id)
    assert submission_of(event, None).author == "alice"
    assert approval_id_of(event) == approval_id_of(event.model_copy())
