"""The customer aggregate: registration, changes and merges of a customer record (docs/domain.md §2.3, §2.5).

Entry checks (`customers.check_customer`) and duplicate scoring (`duplicates`) run before
these commands; the aggregate records what was decided. A merge is recorded on both records:
`CustomersMerged` on the merged one, which becomes a redirect to its survivor (readable, with
its whole history, never changed again), and `CustomerAbsorbed` on the survivor, whose history
thus shows the merge and names the absorbed record.
"""

from dataclasses import asdict, replace
from datetime import date
from typing import Any
from uuid import UUID

from events.aggregate_base import Aggregate
from events.catalogue import intake as ev
from events.vocabulary import Channel
from intake.domain.customers import CustomerDraft
from intake.domain.duplicates import CustomerIdentity
from intake.domain.errors import CustomerAlreadyMerged
from intake.domain.problems import is_blank
from intake.domain.vocabulary import CustomerProfile, Language

_ADDRESS = ("street", "postal_code", "city", "country")


class Customer(Aggregate):
    stream_type = "customer"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.draft = CustomerDraft(profile=CustomerProfile.B2C)
        self.prospection_consent = False
        self.duplicate_override_reason: str | None = None
        self.merged_into: UUID | None = None
        self.absorbed: tuple[UUID, ...] = ()
        """Records merged into this one, oldest merge first (those recorded by `CustomerAbsorbed`)."""
        self.exists = False
        """False when the stream folded is not a customer's (ids are global)."""

    @classmethod
    def register(
        cls,
        customer_id: UUID,
        draft: CustomerDraft,
        prospection_consent: bool,
        duplicate_override_reason: str | None = None,
    ) -> "Customer":
        """`draft` is already checked and normalised."""
        customer = cls(customer_id)
        address = ev.PostalAddress(**{name: getattr(draft, name) for name in _ADDRESS})
        customer.record(
            ev.CustomerRegistered(
                customer_id=customer_id,
                profile=draft.profile.value,
                first_name=draft.first_name,
                last_name=draft.last_name,
                company=draft.company,
                email=draft.email,
                phone=draft.phone,
                address=address,
                language=draft.language.value,
                preferred_channel=draft.preferred_channel.value if draft.preferred_channel else None,
                contract_refs=draft.contract_refs,
                contract_end=draft.contract_end,
                prospection_consent=prospection_consent,
                duplicate_override_reason=duplicate_override_reason,
            )
        )
        return customer

    def update(self, draft: CustomerDraft, prospection_consent: bool) -> dict[str, Any]:
        """Record the fields that differ from the current record; the changes, or {} if none."""
        self._ensure_not_merged()
        current, new = asdict(self.draft), asdict(draft)
        changes = {name: _plain(value) for name, value in new.items() if current[name] != value}
        if prospection_consent != self.prospection_consent:
            changes["prospection_consent"] = prospection_consent
        if changes:
            self.record(ev.CustomerUpdated(customer_id=self.id, changes=changes))
        return changes

    def merge_into(self, survivor: "Customer", reason: str) -> None:
        """Record the merge on both streams: this record redirects to `survivor`, which absorbs it."""
        self._ensure_not_merged()
        if survivor.id == self.id:
            raise CustomerAlreadyMerged("a customer cannot be merged into itself")
        survivor._ensure_not_merged()
        if is_blank(reason):
            raise CustomerAlreadyMerged("a merge needs a reason")
        reason = reason.strip()
        self.record(ev.CustomersMerged(survivor_id=survivor.id, merged_id=self.id, reason=reason))
        survivor.record(ev.CustomerAbsorbed(survivor_id=survivor.id, merged_id=self.id, reason=reason))

    def identity(self) -> CustomerIdentity:
        d = self.draft
        return CustomerIdentity(
            str(self.id),
            d.first_name,
            d.last_name,
            d.company,
            d.email,
            d.phone,
            d.postal_code,
            d.country or "FR",
        )

    def _ensure_not_merged(self) -> None:
        if self.merged_into is not None:
            raise CustomerAlreadyMerged(f"this customer was merged into {self.merged_into}")

    def when_CustomerRegistered(self, e: ev.CustomerRegistered) -> None:
        address = e.address or ev.PostalAddress()
        self.draft = CustomerDraft(
            profile=CustomerProfile(e.profile),
            first_name=e.first_name,
            last_name=e.last_name,
            company=e.company,
            email=e.email,
            phone=e.phone,
            street=address.street,
            postal_code=address.postal_code,
            city=address.city,
            country=address.country,
            contract_refs=tuple(e.contract_refs),
            contract_end=e.contract_end,
            language=Language(e.language),
            preferred_channel=Channel(e.preferred_channel) if e.preferred_channel else None,
        )
        self.exists, self.prospection_consent = True, e.prospection_consent
        self.duplicate_override_reason = e.duplicate_override_reason

    def when_CustomerUpdated(self, e: ev.CustomerUpdated) -> None:
        changes = dict(e.changes)
        self.prospection_consent = bool(changes.pop("prospection_consent", self.prospection_consent))
        self.draft = replace(self.draft, **{name: _typed(name, value) for name, value in changes.items()})

    def when_CustomersMerged(self, e: ev.CustomersMerged) -> None:
        if e.merged_id == self.id:
            self.merged_into = e.survivor_id

    def when_CustomerAbsorbed(self, e: ev.CustomerAbsorbed) -> None:
        self.absorbed = (*self.absorbed, e.merged_id)


def _plain(value: Any) -> Any:
    """JSON-ready form of a draft value, as `CustomerUpdated.changes` stores it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


_TYPES: dict[str, Any] = {
    "profile": CustomerProfile,
    "language": Language,
    "preferred_channel": Channel,
    "contract_end": date.fromisoformat,
    "contract_refs": tuple,
}


def _typed(name: str, value: Any) -> Any:
    """Inverse of `_plain` for one field of `CustomerDraft`."""
    if value is None or name not in _TYPES:
        return value
    return _TYPES[name](value)
