"""Money: Decimal only, VAT per rate on the sum of the line amounts, locale formatting."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency

from documents.adapters.presentation import money
from documents.domain.kinds import Language
from documents.domain.money import Line, totals_of


def test_three_times_19_99_at_20_percent_gives_59_97_11_99_71_96() -> None:
    totals = totals_of([Line("Maintenance", Decimal(3), Decimal("19.99"), Decimal(20))])
    assert (totals.net, totals.vat, totals.gross) == (Decimal("59.97"), Decimal("11.99"), Decimal("71.96"))


def test_vat_is_rounded_once_per_rate_not_per_line() -> None:
    reduced = totals_of([Line(f"r{i}", Decimal(1), Decimal("0.45"), Decimal("5.5")) for i in range(4)])
    assert reduced.net == Decimal("1.80")
    assert reduced.vat == Decimal("0.10")  # rounded per line: 4 x 0.02 = 0.08


def test_each_rate_has_its_own_breakdown() -> None:
    totals = totals_of(
        [
            Line("a", Decimal(2), Decimal("10.00"), Decimal(20)),
            Line("b", Decimal(1), Decimal("100.00"), Decimal("5.5")),
        ]
    )
    assert [(b.rate, b.net, b.vat) for b in totals.by_rate] == [
        (Decimal("5.5"), Decimal("100.00"), Decimal("5.50")),
        (Decimal(20), Decimal("20.00"), Decimal("4.00")),
    ]
    assert totals.gross == Decimal("129.50")


@pytest.mark.parametrize(("language", "expected"), [(Language.FR, "71,96\u00a0€"), (Language.EN, "€71.96")])
def test_amounts_are_formatted_for_the_locale(language: Language, expected: str) -> None:
    assert money(Decimal("71.96"), language) == expected
    assert format_currency(Decimal("1234.5"), "EUR", locale="fr_FR") == "1\u202f234,50\u00a0€"
