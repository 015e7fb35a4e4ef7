import pytest

from intake.domain.duplicates import (
    CustomerIdentity,
    DuplicatePolicy,
    DuplicateReason,
    block_keys,
    find_duplicates,
)

NEW = CustomerIdentity("new", "Éloïse", "Dupont", email="eloise.dupont@exemple.fr", phone="06 12 34 56 78")


def found(new: CustomerIdentity, *existing: CustomerIdentity) -> dict[str, tuple[DuplicateReason, ...]]:
    return {c.customer_id: c.reasons for c in find_duplicates(new, existing)}


def test_swapped_first_and_last_names_with_same_phone_are_found() -> None:
    old = CustomerIdentity("c1", "Dupont", "Eloise", phone="+33612345678")
    assert found(NEW, old) == {"c1": (DuplicateReason.SWAPPED_NAMES, DuplicateReason.SAME_PHONE)}


def test_accent_and_case_variants_with_same_email_are_found() -> None:
    old = CustomerIdentity("c1", "ELOISE", "DUPONT", email="Eloise.Dupont@exemple.fr")
    assert found(NEW, old) == {"c1": (DuplicateReason.SIMILAR_NAME, DuplicateReason.SAME_EMAIL)}


@pytest.mark.parametrize("phone", ["+33 6 12 34 56 78", "0612345678", "06.12.34.56.78", "0033 612 345 678"])
def test_same_phone_in_different_formats_is_found(phone: str) -> None:
    old = CustomerIdentity("c1", "Eloise", "Dupond", phone=phone)
    assert DuplicateReason.SAME_PHONE in found(NEW, old)["c1"]


def test_spelling_variant_with_same_email_is_found() -> None:
    old = CustomerIdentity("c1", "Eloïse", "Dupond", email="eloise.dupont@exemple.fr")
    assert "c1" in found(NEW, old)


def test_homonym_in_the_same_postal_code_is_found() -> None:
    new = CustomerIdentity("new", "Jean-Pierre", "Martin", postal_code="75011")
    old = CustomerIdentity("c1", "Martin", "Jean Pierre", postal_code="75 011")
    assert found(new, old) == {"c1": (DuplicateReason.SWAPPED_NAMES, DuplicateReason.SAME_POSTAL_CODE)}


def test_same_name_alone_is_not_enough() -> None:
    assert found(NEW, CustomerIdentity("c1", "Eloise", "Dupont", email="e.dupont@ailleurs.fr")) == {}


def test_different_people_are_not_found() -> None:
    others = [
        CustomerIdentity("c1", "Marc", "Lefebvre", email="marc@exemple.fr", phone="+33698765432"),
        CustomerIdentity("c2", "Sophie", "Bernard", postal_code="75011"),
        CustomerIdentity("c3", "Eliane", "Durand", email="eliane.durand@exemple.fr"),
    ]
    assert found(NEW, *others) == {}


def test_colleagues_sharing_a_switchboard_are_not_duplicates() -> None:
    new = CustomerIdentity("new", "Jean", "Martin", company="ACME SAS", phone="+33142685300")
    colleague = CustomerIdentity("c1", "Sophie", "Bernard", company="Acme", phone="+33142685300")
    assert found(new, colleague) == {}


def test_same_company_under_another_legal_form_is_found_for_records_without_contact() -> None:
    new = CustomerIdentity("new", company="ACME S.A.S.", email="contact@acme.fr")
    old = CustomerIdentity("c1", company="Acme", email="contact@acme.fr")
    assert found(new, old) == {"c1": (DuplicateReason.SAME_EMAIL, DuplicateReason.SIMILAR_COMPANY)}


def test_name_change_is_found_through_shared_identifiers() -> None:
    old = CustomerIdentity("c1", "Eloise", "Martin", email="eloise.dupont@exemple.fr", phone="+33612345678")
    assert "c1" in found(NEW, old)


def test_candidates_are_ranked_best_first_and_limited() -> None:
    strong = CustomerIdentity("strong", "Eloise", "Dupont", email=NEW.email, phone="+33612345678")
    weaker = CustomerIdentity("weaker", "Dupont", "Eloise", phone="+33612345678")
    result = find_duplicates(NEW, [weaker, strong])
    assert [c.customer_id for c in result] == ["strong", "weaker"]
    assert result[0].score == 100.0 > result[1].score
    assert [c.customer_id for c in find_duplicates(NEW, [weaker, strong], limit=1)] == ["strong"]


def test_the_customer_itself_is_not_its_own_duplicate() -> None:
    assert find_duplicates(NEW, [NEW]) == []


def test_threshold_and_weights_are_configurable() -> None:
    homonym = CustomerIdentity("c1", "Eloise", "Dupont")
    assert find_duplicates(NEW, [homonym]) == []
    lenient = DuplicatePolicy(threshold=50)
    assert [c.customer_id for c in find_duplicates(NEW, [homonym], lenient)] == ["c1"]


def test_block_keys_are_shared_by_variants_of_the_same_customer() -> None:
    variants = [
        CustomerIdentity("a", "Éloïse", "Dupont"),
        CustomerIdentity("b", "DUPONT", "eloise"),
        CustomerIdentity("c", "Eloise", "Dupond"),
    ]
    keys = [block_keys(v) for v in variants]
    assert keys[0] == keys[1] == keys[2] == {"name:dup|elo"}


def test_block_keys_index_email_phone_and_company() -> None:
    identity = CustomerIdentity(
        "a", "Jean", "Martin", company="Acme SARL", email="J.Martin@Acme.fr", phone="01 42 68 53 00"
    )
    assert block_keys(identity) == {
        "email:j.martin@acme.fr",
        "phone:+33142685300",
        "company:acme",
        "name:jea|mar",
    }


def test_an_empty_identity_has_no_block_key() -> None:
    assert block_keys(CustomerIdentity("a")) == set()


def test_unrelated_candidates_in_bulk_are_not_duplicates() -> None:
    existing = [
        CustomerIdentity(
            str(i), f"Prenom{i % 97}", f"Nom{i}", email=f"p{i}@exemple.fr", phone=f"+3361{i:07d}"
        )
        for i in range(2_000)
    ]
    # Speed over large candidate sets is measured by the benchmarks, not asserted here.
    assert find_duplicates(NEW, existing) == []


def test_same_email_is_enough_when_the_new_record_has_no_name() -> None:
    new = CustomerIdentity("new", email="eloise.dupont@exemple.fr")
    old = CustomerIdentity("c1", "Eloise", "Dupont", email="ELOISE.DUPONT@exemple.fr")
    assert found(new, old) == {"c1": (DuplicateReason.SAME_EMAIL,)}


def test_colleagues_sharing_a_generic_email_are_not_duplicates() -> None:
    new = CustomerIdentity("new", "Jean", "Martin", company="Acme", email="contact@acme.fr")
    colleague = CustomerIdentity("c1", "Sophie", "Bernard", company="ACME", email="contact@acme.fr")
    assert found(new, colleague) == {}
