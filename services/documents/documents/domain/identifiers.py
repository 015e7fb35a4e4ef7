"""Company and tax identifiers, checked with python-stdnum (formats and check digits)."""

from stdnum.eu import vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren, siret


def siret_or_siren_problem(value: str) -> str | None:
    """None when ``value`` is a valid SIRET (14 digits) or SIREN (9 digits); else why not."""
    compact = siret.compact(value)
    checker = siret if len(compact) == 14 else siren
    try:
        checker.validate(compact)
    except ValidationError as error:
        return f"not a valid SIREN or SIRET: {error}"
    return None


def vat_number_problem(value: str) -> str | None:
    """None when ``value`` is a valid intra-EU VAT number (country prefix and check digits)."""
    try:
        vat.validate(value)
    except ValidationError as error:
        return f"not a valid intra-EU VAT number: {error}"
    return None


__all__ = ["siret_or_siren_problem", "vat_number_problem"]
