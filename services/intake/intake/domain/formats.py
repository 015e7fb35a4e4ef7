"""Constrained formats at entry (docs/domain.md §2.4): email, phone in E.164, postal codes.

Each normaliser returns the canonical form or raises `FormatError` with a message meant
for the person typing. Postal-code rules are a table keyed by ISO country code; countries
without a rule are accepted as typed (trimmed), since a wrong rule is worse than none.
"""

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class FormatError(ValueError):
    """The value does not have the expected format; `str(error)` is the message."""


def normalise_country(country: str) -> str:
    """ISO 3166-1 alpha-2, uppercase; must be a country `phonenumbers` knows."""
    code = country.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise FormatError(f"unknown country code {country!r} (expected e.g. FR, CA)")
    return code


def normalise_email(email: str) -> str:
    """Syntax only, never DNS: the domain layer does no I/O."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise FormatError(str(error)) from None


def normalise_phone(phone: str, region: str = "FR") -> str:
    """E.164 ("+33612345678"). `region` is used when the number has no international
    prefix, so "06 12 34 56 78" is read as French by default."""
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        raise FormatError(f"{phone!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise FormatError(f"{phone!r} is not a valid phone number for {region}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_FR_POSTAL = re.compile(r"\d{5}")
_CORSICA_DEPARTMENT = re.compile(r"2[AB]\d{3}")
# Canada Post never uses D, F, I, O, Q, U; W and Z never come first.
_CA_POSTAL = re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d")


def french_postal_code(code: str) -> str:
    compact = code.replace(" ", "").upper()
    if _CORSICA_DEPARTMENT.fullmatch(compact):
        raise FormatError(
            "2A and 2B are Corsican department codes, not postal codes: "
            "Corsican postal codes start with 20 (e.g. 20000 Ajaccio, 20200 Bastia)"
        )
    if not _FR_POSTAL.fullmatch(compact):
        raise FormatError("a French postal code has exactly 5 digits")
    if compact.startswith("00"):
        raise FormatError("no French postal code starts with 00")
    return compact


def canadian_postal_code(code: str) -> str:
    compact = code.replace(" ", "").replace("-", "").upper()
    if not _CA_POSTAL.fullmatch(compact):
        raise FormatError("a Canadian postal code looks like A1A 1A1")
    return f"{compact[:3]} {compact[3:]}"


POSTAL_CODE_RULES: Mapping[str, Callable[[str], str]] = MappingProxyType(
    {"FR": french_postal_code, "CA": canadian_postal_code}
)


def normalise_postal_code(
    code: str,
    country: str,
    rules: Mapping[str, Callable[[str], str]] = POSTAL_CODE_RULES,
) -> str:
    rule = rules.get(country.upper())
    return rule(code) if rule is not None else code.strip()
