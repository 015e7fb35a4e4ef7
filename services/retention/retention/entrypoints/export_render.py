"""The human-readable forms of an access export: plain HTML (headings, tables with header cells,
the document's language declared) and plain text, in French or English (the customer's
language when intake knows it, else French). The JSON document is the source of both."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Copie de vos données personnelles",
        "intro": "Ce document rassemble les données que nos cinq services (accueil des demandes, "
        "documents, validations, suivi des délais, conservation) détiennent à votre sujet.",
        "subject": "Personne concernée",
        "exported_at": "Établi le",
        "categories": "Catégories de données",
        "held": "conservées",
        "erased": "effacées",
        "erasures": "Effacements",
        "events": "Historique",
        "service": "Service",
        "type": "Événement",
        "at": "Date",
        "values": "Données",
        "personal": "Données personnelles",
        "erased_field": "effacé",
        "withheld": "donnée d'une autre personne, non communiquée",
        "why": "motif",
        "requests": "Vos demandes relatives à vos données",
        "accesses": "Consultations de vos données",
        "reader": "Par",
        "kind": "Nature",
        "none": "Aucune",
        "category": "Catégorie",
        "status": "État",
        "colon": " : ",
    },
    "en": {
        "title": "Copy of your personal data",
        "intro": "This document gathers the data our five services (request intake, documents, "
        "approvals, deadline tracking, retention) hold about you.",
        "subject": "Data subject",
        "exported_at": "Issued on",
        "categories": "Data categories",
        "held": "held",
        "erased": "erased",
        "erasures": "Erasures",
        "events": "History",
        "service": "Service",
        "type": "Event",
        "at": "Date",
        "values": "Data",
        "personal": "Personal data",
        "erased_field": "erased",
        "withheld": "another person's data, not disclosed",
        "why": "reason",
        "requests": "Your requests about your data",
        "accesses": "Reads of your data",
        "reader": "By",
        "kind": "Kind",
        "none": "None",
        "category": "Category",
        "status": "Status",
        "colon": ": ",
    },
}


def labels_for(document: Mapping[str, Any]) -> dict[str, str]:
    return LABELS.get(document.get("language") or "fr", LABELS["fr"])


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _fields(event: Mapping[str, Any], t: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(name, shown value)`` of an event's fields: its data, then its personal fields
    (opened, erased with why, or withheld)."""
    shown = [(name, _value(value)) for name, value in event["data"].items() if value is not None]
    shown += [(name, _value(value)) for name, value in event["personal_data"].items() if value is not None]
    for gone in event["erased"]:
        shown.append((gone["field"], f"[{t['erased_field']} — {t['why']}{t['colon']}{gone['why']}]"))
    shown += [(name, f"[{t['withheld']}]") for name in event["withheld"]]
    return shown


def render_html(document: Mapping[str, Any]) -> str:
    t = labels_for(document)
    lang = document.get("language") or "fr"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}">',
        '<head><meta charset="utf-8">',
        f"<title>{escape(t['title'])}</title></head>",
        "<body><main>",
        f"<h1>{escape(t['title'])}</h1>",
        f"<p>{escape(t['intro'])}</p>",
        "<dl>",
        f"<dt>{escape(t['subject'])}</dt><dd>{escape(document['subject'])}</dd>",
        f"<dt>{escape(t['exported_at'])}</dt><dd>{escape(document['exported_at'])}</dd>",
        "</dl>",
        f"<h2>{escape(t['categories'])}</h2><ul>",
    ]
    for category, state in document["categories"].items():
        out.append(f"<li>{escape(category)}{escape(t['colon'])}{escape(t.get(state, state))}</li>")
    out.append("</ul>")
    if document["erasures"]:
        out.append(f"<h2>{escape(t['erasures'])}</h2><ul>")
        for erasure in document["erasures"]:
            out.append(
                f"<li>{escape(erasure['category'])} — {escape(erasure['erased_at'])} — "
                f"{escape(erasure['why'])}</li>"
            )
        out.append("</ul>")
    out.append(f"<h2>{escape(t['events'])}</h2>")
    out.append(
        f'<table><thead><tr><th scope="col">{escape(t["at"])}</th><th scope="col">'
        f'{escape(t["service"])}</th><th scope="col">{escape(t["type"])}</th><th scope="col">'
        f"{escape(t['values'])}</th></tr></thead><tbody>"
    )
    for event in document["events"]:
        values = "".join(
            f"<li><strong>{escape(name)}</strong>{escape(t['colon'])}{escape(value)}</li>"
            for name, value in _fields(event, t)
        )
        out.append(
            f"<tr><td>{escape(event['at'] or '')}</td><td>{escape(event['service'])}</td>"
            f"<td>{escape(event['type'])}</td><td><ul>{values}</ul></td></tr>"
        )
    out.append("</tbody></table>")
    out.append(f"<h2>{escape(t['requests'])}</h2>")
    out.append(_list_html(document["subject_requests"], ("received_at", "kind", "status"), t))
    out.append(f"<h2>{escape(t['accesses'])}</h2>")
    out.append(_list_html(document["accesses"], ("at", "reader", "kind", "context"), t))
    out.append("</main></body></html>")
    return "\n".join(out)


def _list_html(rows: list[Mapping[str, Any]], names: tuple[str, ...], t: Mapping[str, str]) -> str:
    if not rows:
        return f"<p>{escape(t['none'])}</p>"
    items = "".join(
        "<li>" + " — ".join(escape(_value(row.get(name))) for name in names) + "</li>" for row in rows
    )
    return f"<ul>{items}</ul>"


def render_text(document: Mapping[str, Any]) -> str:
    t = labels_for(document)
    lines = [
        t["title"],
        "=" * len(t["title"]),
        t["intro"],
        "",
        f"{t['subject']}{t['colon']}{document['subject']}",
        f"{t['exported_at']}{t['colon']}{document['exported_at']}",
        "",
        t["categories"],
    ]
    lines += [
        f"- {category}{t['colon']}{t.get(state, state)}" for category, state in document["categories"].items()
    ]
    if document["erasures"]:
        lines += ["", t["erasures"]]
        lines += [f"- {e['category']} — {e['erased_at']} — {e['why']}" for e in document["erasures"]]
    lines += ["", t["events"]]
    for event in document["events"]:
        lines.append(f"* {event['at']} — {event['service']} — {event['type']}")
        lines += [f"    {name}{t['colon']}{value}" for name, value in _fields(event, t)]
    lines += ["", t["requests"]]
    lines += [
        f"- {r['received_at']} — {r['kind']} — {r['status']}" for r in document["subject_requests"]
    ] or [f"- {t['none']}"]
    lines += ["", t["accesses"]]
    lines += [
        f"- {a['at']} — {a['reader']} — {a['kind']} — {a['context']}" for a in document["accesses"]
    ] or [f"- {t['none']}"]
    return "\n".join(lines) + "\n"
