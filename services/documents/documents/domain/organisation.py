"""What an organisation configures for its documents: the seller's legal details, the VAT
rates it may use, the B2B payment mentions, the attachment size limit."""

from dataclasses import dataclass, field
from decimal import Decimal

from documents.domain.identifiers import siret_or_siren_problem, vat_number_problem


@dataclass(frozen=True)
class Seller:
    """The issuing organisation as French B2B documents must name it."""

    name: str
    legal_form: str
    share_capital: str
    head_office: str
    siret: str
    rcs: str
    vat_number: str
    contact: str


@dataclass(frozen=True)
class Organisation:
    seller: Seller
    vat_rates: tuple[Decimal, ...] = (
        Decimal("20"),
        Decimal("10"),
        Decimal("5.5"),
        Decimal("2.1"),
        Decimal("0"),
    )
    late_penalties: str = (
        "Pénalités de retard : taux de refinancement de la BCE majoré de 10 points, "
        "exigibles dès le lendemain de l'échéance."
    )
    recovery_indemnity: Decimal = Decimal("40")
    """The fixed indemnity for recovery costs owed by a business paying late (French law: 40 €)."""
    currency: str = "EUR"
    attachment_limit_bytes: int = 512 * 1024
    """Per attachment; a request body is at most 1 MB (the kit's limit), base64 included."""
    quote_validity_days_default: int | None = field(default=None)

    def __post_init__(self) -> None:
        for problem in (
            siret_or_siren_problem(self.seller.siret),
            vat_number_problem(self.seller.vat_number),
        ):
            if problem:
                raise ValueError(f"organisation seller: {problem}")


DEFAULT_ORGANISATION = Organisation(
    Seller(
        name="Guichet Services",
        legal_form="SAS",
        share_capital="10 000 €",
        head_office="1 place de la Mairie, 75001 Paris",
        siret="73282932000074",
        rcs="RCS Paris 732 829 320",
        vat_number="FR44732829320",
        contact="service-client@guichet.example",
    )
)
