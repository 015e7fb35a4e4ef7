"""Which level of validation an outgoing content needs (docs/domain.md §12.1-§12.2).

The rules are data, versioned: each kind of content needs a level whatever its amounts;
amounts, summed per currency, may raise it (an accommodation under 150 in the
organisation's currency stays at level 1; from 150, level 2). Each level has its circuit
(the sequential steps and their quorum). :data:`DEFAULT_RULES` is version 1; a director
defines the next versions (``ApprovalRulesDefined``), and every decision names the version
it was taken under.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from approvals.domain.currencies import is_currency
from approvals.domain.errors import InvalidRules, InvalidSubmission
from events.catalogue.approvals import CircuitStep, CurrencyThreshold, KindRule, Money, StepRule

LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class ApprovalRules:
    """One version of the rules. ``compensation_kinds``: kinds that must carry the objective
    criterion they compensate (docs/domain.md §12.4)."""

    version: int
    kinds: tuple[KindRule, ...]
    thresholds: tuple[CurrencyThreshold, ...]
    circuits: tuple[StepRule, ...]
    default_currency: str
    compensation_kinds: tuple[str, ...] = ()
    by_kind: Mapping[str, KindRule] = field(init=False, repr=False, compare=False)
    by_currency: Mapping[str, CurrencyThreshold] = field(init=False, repr=False, compare=False)
    by_level: Mapping[int, StepRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_kind", {rule.kind: rule for rule in self.kinds})
        object.__setattr__(self, "by_currency", {t.currency: t for t in self.thresholds})
        object.__setattr__(self, "by_level", {c.level: c for c in self.circuits})

    def circuit(self, level: int) -> tuple[CircuitStep, ...]:
        """The steps of ``level``'s circuit; level 1 has none (the author validates)."""
        rule = self.by_level.get(level)
        return rule.steps if rule is not None else ()


def check_rules(rules: ApprovalRules) -> ApprovalRules:
    """``rules`` if they can decide every submission; :class:`InvalidRules` naming the field."""
    if rules.version < 1:
        raise InvalidRules("the rules version starts at 1", "version")
    if not rules.kinds:
        raise InvalidRules("at least one kind is needed", "kinds")
    if len(rules.by_kind) != len(rules.kinds):
        raise InvalidRules("a kind is listed twice", "kinds")
    for kind in rules.kinds:
        if not kind.kind.strip():
            raise InvalidRules("a kind needs a name", "kinds")
        if kind.level not in LEVELS:
            raise InvalidRules(f"kind {kind.kind}: a level is 1, 2 or 3", "kinds")
    if not is_currency(rules.default_currency):
        raise InvalidRules(f"{rules.default_currency} is not an ISO 4217 currency", "default_currency")
    if rules.default_currency not in rules.by_currency:
        raise InvalidRules("the organisation's currency needs a threshold", "thresholds")
    if len(rules.by_currency) != len(rules.thresholds):
        raise InvalidRules("a currency is listed twice", "thresholds")
    for threshold in rules.thresholds:
        _check_threshold(threshold)
    unknown = set(rules.compensation_kinds) - set(rules.by_kind)
    if unknown:
        raise InvalidRules(f"compensation kinds not in kinds: {sorted(unknown)}", "compensation_kinds")
    for level in (2, 3):
        if not rules.circuit(level):
            raise InvalidRules(f"level {level} needs a circuit", "circuits")
    for circuit in rules.circuits:
        _check_circuit(circuit)
    return rules


def _check_threshold(threshold: CurrencyThreshold) -> None:
    if not is_currency(threshold.currency):
        raise InvalidRules(f"{threshold.currency} is not an ISO 4217 currency", "thresholds")
    if not threshold.level_2_from.is_finite() or threshold.level_2_from < 0:
        raise InvalidRules("level_2_from is a non-negative amount", "thresholds")
    if threshold.level_3_from is not None and not (
        threshold.level_3_from.is_finite() and threshold.level_3_from >= threshold.level_2_from
    ):
        raise InvalidRules("level_3_from is an amount from level_2_from up", "thresholds")


def _check_circuit(circuit: StepRule) -> None:
    if circuit.level not in (2, 3):
        raise InvalidRules("circuits are defined for levels 2 and 3 (level 1: the author)", "circuits")
    for number, step in enumerate(circuit.steps, start=1):
        where = f"level {circuit.level} step {number}"
        if step.step != number:
            raise InvalidRules(f"{where}: steps are numbered 1, 2, ... in order", "circuits")
        if step.level not in (2, 3) or step.level > circuit.level:
            raise InvalidRules(f"{where}: a step's level is 2 or 3, at most the circuit's", "circuits")
        if len(set(step.approvers)) != len(step.approvers):
            raise InvalidRules(f"{where}: an approver is listed twice", "circuits")
        if step.quorum == "all" and not step.approvers:
            raise InvalidRules(f"{where}: quorum 'all' needs named approvers", "circuits")
        if step.quorum == "count" and (
            step.count is None or step.count < 1 or (step.approvers and step.count > len(step.approvers))
        ):
            raise InvalidRules(
                f"{where}: quorum 'count' needs a count between 1 and the approvers", "circuits"
            )
        if step.quorum == "percent" and (
            not step.approvers or step.percent is None or not 1 <= step.percent <= 100
        ):
            raise InvalidRules(
                f"{where}: quorum 'percent' needs named approvers and a percentage 1-100", "circuits"
            )
    last = circuit.steps[-1] if circuit.steps else None
    if last is not None and last.level != circuit.level:
        raise InvalidRules(
            f"level {circuit.level}: the last step is decided at level {circuit.level}", "circuits"
        )


def _circuit(level: int, *step_levels: int) -> StepRule:
    return StepRule(
        level=level,
        steps=tuple(CircuitStep(step=n, level=lv) for n, lv in enumerate(step_levels, start=1)),
    )


DEFAULT_RULES = check_rules(
    ApprovalRules(
        version=1,
        kinds=(
            KindRule(kind="standard_answer", level=1),
            KindRule(kind="accommodation", level=1),
            KindRule(kind="commercial_gesture", level=2),
            KindRule(kind="tariff_derogation", level=2),
            KindRule(kind="deadline_extension", level=2),
            KindRule(kind="exceptional_delay", level=2),
            KindRule(kind="compensation", level=2),
            KindRule(kind="high_financial_commitment", level=3),
            KindRule(kind="legal_risk", level=3),
            KindRule(kind="institutional_communication", level=3),
            KindRule(kind="contract", level=3),
            KindRule(kind="amendment", level=3),
            KindRule(kind="litigation_letter", level=3),
        ),
        thresholds=(CurrencyThreshold(currency="EUR", level_2_from=Decimal(150)),),
        circuits=(_circuit(2, 2), _circuit(3, 2, 3)),
        default_currency="EUR",
        compensation_kinds=("compensation",),
    )
)
"""Version 1, from docs/domain.md §12: no amount alone requires level 3 (§12.2 leaves that
threshold to each organisation); level 3 is manager then director/legal."""


@dataclass(frozen=True, slots=True)
class LevelDecision:
    """The level required, the rule that set it (in words), under which rules version."""

    level: int
    rule: str
    rules_version: int


def check_amounts(amounts: Iterable[Money]) -> tuple[Money, ...]:
    """The amounts if each is a finite, non-negative decimal in an ISO 4217 currency."""
    checked = tuple(amounts)
    for index, money in enumerate(checked):
        if not money.amount.is_finite() or money.amount < 0:
            raise InvalidSubmission(
                f"amount {money.amount} is not a non-negative number", f"amounts[{index}].amount"
            )
        if not is_currency(money.currency):
            raise InvalidSubmission(
                f"{money.currency} is not an ISO 4217 currency in use", f"amounts[{index}].currency"
            )
    return checked


def totals(amounts: Iterable[Money]) -> dict[str, Decimal]:
    """The amounts summed per currency."""
    summed: dict[str, Decimal] = {}
    for money in amounts:
        summed[money.currency] = summed.get(money.currency, Decimal(0)) + money.amount
    return summed


def required_level(kind: str, amounts: Iterable[Money], rules: ApprovalRules) -> LevelDecision:
    """The level a content of ``kind`` committing ``amounts`` needs under ``rules``: the
    kind's level, raised by any currency total at or above its thresholds. A currency with
    no threshold cannot be weighed: any amount in it needs at least level 2."""
    kind_rule = rules.by_kind.get(kind)
    if kind_rule is None:
        raise InvalidSubmission(
            f"unknown kind {kind!r}: the kinds are {', '.join(sorted(rules.by_kind))}", "kind"
        )
    checked = check_amounts(amounts)
    level = kind_rule.level
    rule = f"kind {kind} needs level {level}"
    for currency, total in sorted(totals(checked).items()):
        amount_level, why = _amount_level(currency, total, rules)
        if amount_level > level:
            level, rule = amount_level, why
        elif why:
            rule = f"{rule}; {why}"
    return LevelDecision(level, f"{rule} (rules version {rules.version})", rules.version)


def _amount_level(currency: str, total: Decimal, rules: ApprovalRules) -> tuple[int, str]:
    threshold = rules.by_currency.get(currency)
    if threshold is None:
        if total > 0:
            return 2, f"{total} {currency}: no threshold in {currency}, level 2 at least"
        return 1, ""
    if threshold.level_3_from is not None and total >= threshold.level_3_from:
        return 3, f"{total} {currency} is {threshold.level_3_from} {currency} or more: level 3"
    if total >= threshold.level_2_from:
        return 2, f"{total} {currency} is {threshold.level_2_from} {currency} or more: level 2"
    return 1, f"{total} {currency} is under {threshold.level_2_from} {currency}: level 1"
