"""Routing a request to a business team, and the one-transfer rule (docs/domain.md §9).

Categories and team names are organisation data, hence plain strings rather than enums.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from intake.domain.errors import InvalidRuleTable, TransferLimitReached
from intake.domain.problems import is_blank
from intake.domain.text import fold

#: A caller may be transferred at most once to reach the person who can answer.
MAX_TRANSFERS = 1


class TransferException(StrEnum):
    """The only reasons a request may be transferred beyond the limit (docs/domain.md §9.2)."""

    WRONG_ROUTING = "wrong_routing"
    """The routing table (or the previous transfer) sent the request to a team that cannot answer."""
    SKILL_UNAVAILABLE = "skill_unavailable"
    """The skill the request needs is not available in the team that holds it."""
    SPECIALIST_REQUESTED = "specialist_requested"
    """The customer asked for a specialist another team holds."""
    REGULATORY_REQUIREMENT = "regulatory_requirement"
    """A law or the contract reserves the matter to a given team (the DPO, legal)."""


@dataclass(frozen=True, slots=True)
class TransferAllowance:
    """A transfer may go ahead; beyond the limit `exception_kind` names the exception and
    `exception_reason` documents it, both recorded with the transfer
    (`RequestTransferred.exception_kind`, `.exception`)."""

    exception_reason: str | None = None
    exception_kind: TransferException | None = None

    @property
    def exceptional(self) -> bool:
        return self.exception_kind is not None


def check_transfer(
    previous_transfers: int,
    exception_reason: str | None = None,
    max_transfers: int = MAX_TRANSFERS,
    exception_kind: TransferException | None = None,
) -> TransferAllowance:
    """Allow a transfer within the limit; beyond it only with an exception named from the
    fixed list, documented in words (a blank reason does not count). Raises
    `TransferLimitReached`."""
    if previous_transfers < 0:
        raise ValueError("previous_transfers cannot be negative")
    if previous_transfers < max_transfers:
        return TransferAllowance()
    if exception_kind is None or exception_reason is None or is_blank(exception_reason):
        raise TransferLimitReached(previous_transfers, max_transfers)
    return TransferAllowance(exception_reason.strip(), exception_kind)


@dataclass(frozen=True)
class RoutingTable:
    """category -> team. Unknown categories go to `fallback` (the front office triages
    them) rather than failing: a request is never lost for want of a category."""

    routes: Mapping[str, str]
    fallback: str

    def __post_init__(self) -> None:
        if is_blank(self.fallback) or any(is_blank(team) for team in self.routes.values()):
            raise InvalidRuleTable("every route, and the fallback, needs a team")
        folded = {fold(category): team for category, team in self.routes.items()}
        if len(folded) != len(self.routes):
            raise InvalidRuleTable("two categories differ only by case, accents or punctuation")
        object.__setattr__(self, "routes", MappingProxyType(folded))

    def team_for(self, category: str | None) -> str:
        """Lookup ignores case, accents and punctuation ("Facturation" == "facturation")."""
        if category is None:
            return self.fallback
        return self.routes.get(fold(category), self.fallback)


DEFAULT_ROUTING = RoutingTable(
    routes={
        "billing": "billing",
        "technical": "technical_support",
        "contract": "sales_administration",
        "order": "sales_administration",
        "quote": "sales",
        "delivery": "logistics",
        "complaint": "quality",
        "data_quality": "data_quality",
        "gdpr": "dpo",
    },
    fallback="front_office",
)
