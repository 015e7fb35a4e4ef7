"""The HTML rendering: one self-contained page (inline style, no external resource)."""

from jinja2 import Environment
from markupsafe import Markup

from documents.adapters.presentation import Presentation

_LAYOUT = Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="{{ p.language.value }}"><head><meta charset="utf-8"><title>{{ p.title }} {{ p.number }}</title>
<style>body{font-family:serif;max-width:48em;margin:2em auto}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #999;padding:.2em .4em}td.n{text-align:right}.m{font-size:.85em;color:#444}</style>
</head><body>
<header><p>{% for l in p.seller %}{{ l }}<br>{% endfor %}</p>
<p>{% for l in p.customer %}{{ l }}<br>{% endfor %}</p>
<h1>{{ p.title }} {{ p.number }}</h1><p>{{ p.date }}</p></header>
<section>{{ wording }}</section>
{% if p.fields %}<dl>{% for label, value in p.fields %}
<dt>{{ label }}</dt><dd>{{ value }}</dd>{% endfor %}</dl>{% endif %}
{% if p.lines %}<table><tr><th></th><th>Qté</th><th>PU HT</th><th>TVA</th><th>HT</th></tr>
{% for d, q, u, r, n in p.lines %}<tr><td>{{ d }}</td><td class="n">{{ q }}</td>
<td class="n">{{ u }}</td><td class="n">{{ r }}</td><td class="n">{{ n }}</td></tr>
{% endfor %}</table>
<table>{% for label, value in p.totals %}
<tr><th>{{ label }}</th><td class="n">{{ value }}</td></tr>{% endfor %}</table>{% endif %}
{% for m in p.mentions %}<p class="m">{{ m }}</p>{% endfor %}
</body></html>
"""
)


def html_of(presentation: Presentation) -> bytes:
    wording = Markup(presentation.wording_html)
    return _LAYOUT.render(p=presentation, wording=wording).encode()
