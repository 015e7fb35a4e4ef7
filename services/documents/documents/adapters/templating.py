"""User-edited wording in a sandbox: Jinja2 ``SandboxedEnvironment``, autoescape,
``StrictUndefined``; what a template outputs is sanitised HTML or it is refused.

A template is checked when it is saved, against a sample document of its kind whose every
field holds a markup probe: a variable the kind does not give, a syntax error, a sandbox
violation or markup getting through (``|safe``, a literal ``<script>``) refuses it then,
not when a customer is waiting.
"""

from functools import lru_cache
from html import unescape
from typing import Any

import nh3
from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from documents.domain.errors import TemplateRefused
from documents.domain.kinds import DocumentKind, Language, Profile
from documents.domain.requirements import LINE_FIELDS, OPTIONAL, required_fields

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li"}
PROBE = "<script>alert(1)</script>"
MAX_SOURCE = 20_000

_ENVIRONMENT = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def sanitise(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={}, strip_comments=True)


@lru_cache(maxsize=256)
def compiled(source: str) -> Template:
    """Templates are versioned and never change once saved: each source is compiled once."""
    return _ENVIRONMENT.from_string(source)


def render_wording(source: str, context: dict[str, Any]) -> str:
    return sanitise(compiled(source).render(context))


def sample_content(kind: DocumentKind) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for path in (*required_fields(kind, Profile.B2B), *OPTIONAL[kind]):
        *parents, leaf = path.split(".")
        target = content
        for name in parents:
            target = target.setdefault(name, {})
        target[leaf] = PROBE
    if kind.has_lines:
        content["lines"] = [dict.fromkeys(LINE_FIELDS, PROBE)]
    return content


def sample_context(kind: DocumentKind, language: Language) -> dict[str, Any]:
    return {
        "content": sample_content(kind),
        "customer_name": PROBE,
        "salutation": PROBE,
        "kind_label": PROBE,
        "number": PROBE,
        "issue_date": PROBE,
        "request_reference": PROBE,
        "seller": PROBE,
        "totals": {"net": PROBE, "vat": PROBE, "gross": PROBE},
        "language": language.value,
    }


class SandboxedTemplates:
    """The ``TemplateEngine`` port."""

    def check(self, kind: DocumentKind, language: Language, source: str) -> None:
        if len(source) > MAX_SOURCE:
            raise TemplateRefused("too_long", f"a template is at most {MAX_SOURCE} characters")
        try:
            output = _ENVIRONMENT.from_string(source).render(sample_context(kind, language))
        except UndefinedError as error:
            raise TemplateRefused("unknown_variable", f"unknown variable: {error.message}") from None
        except TemplateError as error:
            raise TemplateRefused("does_not_render", f"the template does not render: {error}") from None
        except Exception as error:  # noqa: BLE001 - any failure of a user's template is a refusal
            raise TemplateRefused("does_not_render", f"the template does not render: {error}") from None
        if unescape(sanitise(output)) != unescape(output):
            raise TemplateRefused(
                "markup_injection",
                "the template outputs markup that is not allowed (only "
                + ", ".join(sorted(ALLOWED_TAGS))
                + ", without attributes; values are escaped, |safe is not allowed)",
            )
