"""What a rendering shows, whatever the format: title, parties, the kind's fields, lines and
totals formatted for the customer's locale (babel), legal mentions, and the wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from documents.adapters.templating import render_wording
from documents.adapters.wording import KIND_LABELS, SALUTATION
from documents.app.ports import RenderInput
from documents.domain.content import lines_of, value_at
from documents.domain.kinds import Language, Profile
from documents.domain.money import ROUNDING_RULE, ROUNDING_RULE_FR, totals_of
from documents.domain.requirements import OPTIONAL, REQUIRED

FIELD_LABELS_FR = {
    "validity_days": "Validité de l'offre (jours)",
    "payment_terms": "Conditions de paiement",
    "delivery_delay": "Délai de livraison",
    "file_reference": "Référence du dossier",
    "introduction": "Votre demande",
    "body": "Notre réponse",
    "conclusion": "Conclusion",
    "step": "Étape",
    "blocker": "Blocage",
    "next_action": "Prochaine action",
    "next_update_at": "Prochain point",
    "acknowledgement": "Le retard",
    "cause": "Cause",
    "action": "Action en cours",
    "new_estimate": "Nouvelle estimation",
    "compensation": "Geste commercial",
    "order_reference": "Référence de commande",
    "tariff_conditions": "Conditions tarifaires",
}


@dataclass(frozen=True)
class Presentation:
    language: Language
    title: str
    number: str
    date: str
    seller: tuple[str, ...]
    customer: tuple[str, ...]
    wording_html: str
    fields: tuple[tuple[str, str], ...]
    lines: tuple[tuple[str, str, str, str, str], ...]
    totals: tuple[tuple[str, str], ...]
    mentions: tuple[str, ...]


def money(amount: Decimal, language: Language, currency: str = "EUR") -> str:
    return str(format_currency(amount, currency, locale=language.locale))


def present(what: RenderInput) -> Presentation:
    document, organisation = what.document, what.organisation
    language, content = document.language, document.content
    lines = lines_of(content) if document.kind.has_lines else []
    totals = totals_of(lines) if lines else None
    issued = document.issued_at or document.drafted_at
    date_text = str(format_date(issued.date(), format="long", locale=language.locale))
    label = KIND_LABELS[language][document.kind.value]
    formatted_totals = (
        {
            "net": money(totals.net, language),
            "vat": money(totals.vat, language),
            "gross": money(totals.gross, language),
        }
        if totals
        else {"net": "", "vat": "", "gross": ""}
    )
    context: dict[str, Any] = {
        "content": content,
        "customer_name": str(value_at(content, "customer.name") or ""),
        "salutation": SALUTATION[language],
        "kind_label": label,
        "number": document.number or "",
        "issue_date": date_text,
        "request_reference": str(content.get("file_reference") or ""),
        "seller": organisation.seller.name,
        "totals": formatted_totals,
        "language": language.value,
    }
    seller = organisation.seller
    return Presentation(
        language=language,
        title=label.capitalize(),
        number=document.number or ("BROUILLON" if language is Language.FR else "DRAFT"),
        date=date_text,
        seller=(
            f"{seller.name}, {seller.legal_form} au capital de {seller.share_capital}",
            seller.head_office,
            f"SIRET {seller.siret} · {seller.rcs} · TVA {seller.vat_number}",
            seller.contact,
        ),
        customer=customer_lines(content),
        wording_html=render_wording(what.template_source, context),
        fields=tuple(
            (
                FIELD_LABELS_FR.get(path, path.replace("_", " ").capitalize())
                if language is Language.FR
                else path.replace("_", " ").capitalize(),
                text_of(value_at(content, path)),
            )
            for path in (*REQUIRED[document.kind], *OPTIONAL[document.kind])
            if "." not in path and path != "lines" and value_at(content, path) not in (None, "")
        ),
        lines=tuple(
            (
                line.description,
                str(format_decimal(line.quantity, locale=language.locale)),
                money(line.unit_price, language),
                f"{format_decimal(line.vat_rate, locale=language.locale)} %",
                money(line.net, language),
            )
            for line in lines
        ),
        totals=totals_lines(totals, language) if totals else (),
        mentions=mentions(what, bool(lines)),
    )


def customer_lines(content: dict[str, Any]) -> tuple[str, ...]:
    customer = content.get("customer") or {}
    if not isinstance(customer, dict):
        return ()
    parts = [customer.get("name"), customer.get("address")]
    if customer.get("siret"):
        parts.append(f"SIRET {customer['siret']}")
    if customer.get("vat_number"):
        parts.append(f"TVA {customer['vat_number']}")
    return tuple(str(part) for part in parts if part)


def totals_lines(totals: Any, language: Language) -> tuple[tuple[str, str], ...]:
    fr = language is Language.FR
    rows = [("Total HT" if fr else "Total excl. tax", money(totals.net, language))]
    for breakdown in totals.by_rate:
        rate = format_decimal(breakdown.rate, locale=language.locale)
        rows.append((f"TVA {rate} %" if fr else f"VAT {rate} %", money(breakdown.vat, language)))
    rows.append(("Total TTC" if fr else "Total incl. tax", money(totals.gross, language)))
    return tuple(rows)


def mentions(what: RenderInput, has_lines: bool) -> tuple[str, ...]:
    if not has_lines:
        return ()
    fr = what.document.language is Language.FR
    rows = [ROUNDING_RULE_FR if fr else ROUNDING_RULE]
    if what.document.profile is Profile.B2B:
        indemnity = money(what.organisation.recovery_indemnity, what.document.language)
        rows.append(what.organisation.late_penalties)
        rows.append(
            f"Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : {indemnity}."
            if fr
            else f"Fixed indemnity for recovery costs in case of late payment: {indemnity}."
        )
    return tuple(rows)


def text_of(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)
