"""Templates are refused when saved: unknown variable, syntax error, sandbox escape, markup."""

import pytest

from documents.adapters.templating import SandboxedTemplates
from documents.adapters.wording import built_in
from documents.domain.errors import TemplateRefused
from documents.domain.kinds import DocumentKind, Language, Profile

ENGINE = SandboxedTemplates()


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<p>{{ montant }}</p>", "unknown_variable"),
        ("<p>{{ content.not_a_field }}</p>", "unknown_variable"),
        ("<p>{% if %}</p>", "does_not_render"),
        ("{{ ''.__class__.__mro__ }}", "does_not_render"),
        ("<p>{{ customer_name|safe }}</p>", "markup_injection"),
        ('<p><a href="https://x">x</a></p>', "markup_injection"),
        ("<script>steal()</script>", "markup_injection"),
        ("<p style='color:red'>x</p>", "markup_injection"),
    ],
)
def test_a_template_that_cannot_be_used_is_refused_when_saved(source: str, reason: str) -> None:
    with pytest.raises(TemplateRefused) as refused:
        ENGINE.check(DocumentKind.QUOTE, Language.FR, source)
    assert refused.value.reason == reason


def test_the_kinds_own_fields_and_plain_text_are_accepted() -> None:
    ENGINE.check(
        DocumentKind.QUOTE,
        Language.FR,
        "<p>{{ salutation }} Validité : {{ content.validity_days }} j. C'est « l'été » & co.</p>",
    )


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("profile", list(Profile))
@pytest.mark.parametrize("kind", list(DocumentKind))
def test_every_built_in_wording_passes_its_own_check(
    kind: DocumentKind, language: Language, profile: Profile
) -> None:
    ENGINE.check(kind, language, built_in(language, profile))
