from datetime import date

import pytest

from intake.domain.customers import MANDATORY_FIELDS, CustomerDraft, check_customer, missing_fields
from intake.domain.errors import InvalidCustomer
from intake.domain.formats import (
    FormatError,
    canadian_postal_code,
    french_postal_code,
    normalise_email,
    normalise_phone,
    normalise_postal_code,
)
from intake.domain.vocabulary import CustomerProfile, DataAnomaly

TODAY = date(2026, 3, 2)


def b2c(**overrides: object) -> CustomerDraft:
    fields: dict[str, object] = {
        "first_name": "Éloïse",
        "last_name": "Dupont",
        "email": "eloise.dupont@exemple.fr",
    }
    return CustomerDraft(CustomerProfile.B2C, **{**fields, **overrides})  # type: ignore[arg-type]


def fields_of(draft: CustomerDraft) -> set[str]:
    return {p.field for p in check_customer(draft, TODAY).problems}


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06.12.34.56.78", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "FR", "+33612345678"),
        ("0033612345678", "FR", "+33612345678"),
        ("+33 (0)1 42 68 53 00", "FR", "+33142685300"),
        ("(514) 555-0199", "CA", "+15145550199"),
        ("+1 514 555 0199", "FR", "+15145550199"),
    ],
)
def test_phone_is_normalised_to_e164(raw: str, region: str, expected: str) -> None:
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["12", "not a phone", "06 12 34", "+33 6 12 34 56 78 90 12"])
def test_invalid_phone_is_refused(raw: str) -> None:
    with pytest.raises(FormatError):
        normalise_phone(raw)


def test_email_is_normalised_without_any_dns_lookup() -> None:
    assert normalise_email(" Eloise.Dupont@EXEMPLE.fr ") == "Eloise.Dupont@exemple.fr"


@pytest.mark.parametrize("raw", ["eloise", "eloise@", "@exemple.fr", "eloise dupont@exemple.fr", "a@b"])
def test_invalid_email_is_refused(raw: str) -> None:
    with pytest.raises(FormatError):
        normalise_email(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("75011", "75011"), ("75 011", "75011"), ("20000", "20000"), ("97110", "97110")]
)
def test_french_postal_code_has_five_digits(raw: str, expected: str) -> None:
    assert french_postal_code(raw) == expected


@pytest.mark.parametrize("raw", ["7501", "750111", "75O11", "00100", "F-75011"])
def test_malformed_french_postal_code_is_refused(raw: str) -> None:
    with pytest.raises(FormatError):
        french_postal_code(raw)


@pytest.mark.parametrize("raw", ["2A000", "2b200", "2A 004"])
def test_corsican_department_code_is_not_a_postal_code(raw: str) -> None:
    with pytest.raises(FormatError, match="start with 20"):
        french_postal_code(raw)


@pytest.mark.parametrize(("raw", "expected"), [("h2x 1y4", "H2X 1Y4"), ("K1A0B1", "K1A 0B1")])
def test_canadian_postal_code_is_normalised_to_a1a_1a1(raw: str, expected: str) -> None:
    assert canadian_postal_code(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "H2X 1Y", "D2X 1Y4", "W2X 1Y4", "H2X 1O4"])
def test_malformed_canadian_postal_code_is_refused(raw: str) -> None:
    with pytest.raises(FormatError):
        canadian_postal_code(raw)


def test_postal_code_of_a_country_without_rule_is_kept_as_typed() -> None:
    assert normalise_postal_code(" SW1A 1AA ", "GB") == "SW1A 1AA"


def test_valid_b2c_customer_has_no_problem_and_is_normalised() -> None:
    check = check_customer(b2c(phone="06 12 34 56 78", postal_code="75 011", first_name="  Éloïse "), TODAY)
    assert check.problems == ()
    assert check.customer.phone == "+33612345678"
    assert check.customer.postal_code == "75011"
    assert check.customer.first_name == "Éloïse"
    assert check.raise_if_blocking() == check.customer


def test_every_bad_field_is_reported_not_only_the_first() -> None:
    assert fields_of(b2c(email="eloise@", phone="123", postal_code="7501")) == {
        "email",
        "phone",
        "postal_code",
    }


def test_bad_email_and_postal_code_are_reported_by_field_and_block_creation() -> None:
    check = check_customer(b2c(email="not-an-email", postal_code="2A000"), TODAY)
    assert [(p.field, p.kind) for p in check.problems] == [
        ("email", DataAnomaly.ERRONEOUS),
        ("postal_code", DataAnomaly.ERRONEOUS),
    ]
    with pytest.raises(InvalidCustomer) as invalid:
        check.raise_if_blocking()
    assert invalid.value.code == "invalid_customer"
    assert [p.field for p in invalid.value.problems] == ["email", "postal_code"]


def test_phone_of_a_canadian_customer_is_read_in_canada() -> None:
    check = check_customer(b2c(country="ca", phone="514 555 0199", postal_code="h2x1y4"), TODAY)
    assert check.problems == ()
    assert (check.customer.country, check.customer.phone, check.customer.postal_code) == (
        "CA",
        "+15145550199",
        "H2X 1Y4",
    )


def test_unknown_country_is_reported() -> None:
    assert "country" in fields_of(b2c(country="XX"))


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (CustomerProfile.B2B, {"company", "last_name", "email", "phone"}),
        (CustomerProfile.B2C, {"first_name", "last_name", "email", "phone"}),
        (
            CustomerProfile.PUBLIC_SERVICE,
            {"first_name", "last_name", "postal_code", "city", "email", "phone"},
        ),
        (CustomerProfile.STRATEGIC, {"company", "last_name", "contract_refs", "email", "phone"}),
    ],
)
def test_empty_customer_reports_the_mandatory_fields_of_its_profile(
    profile: CustomerProfile, expected: set[str]
) -> None:
    problems = missing_fields(CustomerDraft(profile))
    assert {p.field for p in problems} == expected
    assert all(p.kind is DataAnomaly.MISSING and p.blocking for p in problems)


@pytest.mark.parametrize("profile", list(CustomerProfile))
def test_every_profile_needs_a_way_to_reach_the_customer(profile: CustomerProfile) -> None:
    assert ("email", "phone") in MANDATORY_FIELDS[profile]


def test_b2b_customer_needs_a_company_name() -> None:
    draft = CustomerDraft(CustomerProfile.B2B, last_name="Martin", email="j.martin@acme.fr", company="  ")
    assert fields_of(draft) == {"company"}


def test_phone_alone_is_enough_to_reach_a_customer() -> None:
    assert fields_of(b2c(email=None, phone="0612345678")) == set()


def test_name_with_digits_is_reported() -> None:
    assert fields_of(b2c(last_name="Dup0nt")) == {"last_name"}


def test_ended_contract_flags_the_customer_obsolete_without_blocking() -> None:
    check = check_customer(b2c(contract_end=date(2025, 12, 31)), TODAY)
    assert check.obsolete
    assert [(p.field, p.kind, p.blocking) for p in check.problems] == [
        ("contract_end", DataAnomaly.OBSOLETE, False)
    ]
    check.raise_if_blocking()


@pytest.mark.parametrize("end", [TODAY, date(2027, 1, 1), None])
def test_running_contract_is_not_obsolete(end: date | None) -> None:
    assert not check_customer(b2c(contract_end=end), TODAY).obsolete


def test_blank_contract_references_are_dropped() -> None:
    draft = CustomerDraft(
        CustomerProfile.STRATEGIC, last_name="Martin", email="j@acme.fr", contract_refs=(" C-12 ", " ")
    )
    check = check_customer(draft, TODAY)
    assert check.problems == ()
    assert check.customer.contract_refs == ("C-12",)
