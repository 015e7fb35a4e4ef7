"""Money: ``Decimal`` only, VAT per rate on the sum of the line amounts (EN 16931 BR-CO-17).

Each line's net amount is quantity × unit price rounded to the cent; each rate's VAT is the
rate applied to the sum of that rate's net amounts, rounded once. Per-line VAT rounding is
what makes the one-cent mismatches of other tools: 3 × 19.99 at 20 % gives 59.97 excl. tax,
11.99 VAT, 71.96 incl. tax.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ROUNDING_RULE = (
    "VAT computed per rate on the sum of the line amounts excl. tax, rounded half up to the cent "
    "(EN 16931 BR-CO-17)"
)
ROUNDING_RULE_FR = (
    "TVA calculée par taux sur la somme des montants HT des lignes, arrondie au centime "
    "le plus proche (EN 16931 BR-CO-17)"
)


def to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    """Percent: ``Decimal("20")`` is 20 %."""

    @property
    def net(self) -> Decimal:
        return to_cent(self.quantity * self.unit_price)


@dataclass(frozen=True)
class VatBreakdown:
    rate: Decimal
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    by_rate: tuple[VatBreakdown, ...]


def totals_of(lines: Sequence[Line]) -> Totals:
    nets: dict[Decimal, Decimal] = {}
    for line in lines:
        nets[line.vat_rate] = nets.get(line.vat_rate, Decimal(0)) + line.net
    by_rate = tuple(VatBreakdown(rate, net, to_cent(net * rate / 100)) for rate, net in sorted(nets.items()))
    net = sum((b.net for b in by_rate), Decimal(0))
    vat = sum((b.vat for b in by_rate), Decimal(0))
    return Totals(to_cent(net), to_cent(vat), to_cent(net + vat), by_rate)
