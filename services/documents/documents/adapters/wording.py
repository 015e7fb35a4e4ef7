"""The built-in wording (template version 0) of each language and customer profile, and the
variables every template may use. Organisations replace it with their own (``PUT /templates``)."""

from documents.domain.kinds import Language, Profile

_FR = {
    Profile.B2B: (
        "<p>{{ salutation }}</p><p>Veuillez trouver ci-dessous notre {{ kind_label }}"
        "{% if number %} n° {{ number }}{% endif %}, établi(e) selon les conditions contractuelles "
        "en vigueur{% if request_reference %} (dossier {{ request_reference }}){% endif %}.</p>"
        "<p>Nous restons à votre disposition pour tout complément technique.</p>"
    ),
    Profile.B2C: (
        "<p>{{ salutation }}</p><p>Nous vous remercions de votre confiance. Voici votre "
        "{{ kind_label }}{% if number %} n° {{ number }}{% endif %}, expliqué simplement.</p>"
        "<p>N'hésitez pas à nous contacter si une question se pose.</p>"
    ),
    Profile.PUBLIC_SERVICE: (
        "<p>{{ salutation }}</p><p>Vous trouverez ci-dessous le document {{ kind_label }}"
        "{% if number %} n° {{ number }}{% endif %} relatif à votre démarche.</p>"
        "<p>Si vous contestez cette réponse, vous pouvez former un recours auprès de nos services "
        "dans un délai de deux mois.</p>"
    ),
    Profile.STRATEGIC: (
        "<p>{{ salutation }}</p><p>Dans la continuité de notre relation, nous vous adressons notre "
        "{{ kind_label }}{% if number %} n° {{ number }}{% endif %}.</p>"
        "<p>Votre interlocuteur habituel reste à votre disposition.</p>"
    ),
}
_EN = {
    Profile.B2B: (
        "<p>{{ salutation }}</p><p>Please find below our {{ kind_label }}"
        "{% if number %} no. {{ number }}{% endif %}, under the contractual terms in force"
        "{% if request_reference %} (file {{ request_reference }}){% endif %}.</p>"
        "<p>We remain available for any technical detail.</p>"
    ),
    Profile.B2C: (
        "<p>{{ salutation }}</p><p>Thank you for your trust. Here is your {{ kind_label }}"
        "{% if number %} no. {{ number }}{% endif %}, in plain words.</p>"
        "<p>Do not hesitate to contact us with any question.</p>"
    ),
    Profile.PUBLIC_SERVICE: (
        "<p>{{ salutation }}</p><p>Please find below the {{ kind_label }}"
        "{% if number %} no. {{ number }}{% endif %} concerning your application.</p>"
        "<p>You may appeal against this answer to our services within two months.</p>"
    ),
    Profile.STRATEGIC: (
        "<p>{{ salutation }}</p><p>As part of our long-standing relationship, we send you our "
        "{{ kind_label }}{% if number %} no. {{ number }}{% endif %}.</p>"
        "<p>Your usual contact remains at your disposal.</p>"
    ),
}
BUILT_IN = {Language.FR: _FR, Language.EN: _EN}

SALUTATION = {Language.FR: "Madame, Monsieur,", Language.EN: "Dear Sir or Madam,"}

KIND_LABELS = {
    Language.FR: {
        "quote": "devis",
        "amendment": "avenant",
        "order_confirmation": "confirmation de commande",
        "response_letter": "courrier de réponse",
        "status_message": "point d'avancement",
        "delay_notice": "information de retard",
        "ticket_summary": "synthèse de dossier",
        "intervention_report": "compte rendu d'intervention",
    },
    Language.EN: {
        "quote": "quote",
        "amendment": "amendment",
        "order_confirmation": "order confirmation",
        "response_letter": "response letter",
        "status_message": "status update",
        "delay_notice": "delay notice",
        "ticket_summary": "ticket summary",
        "intervention_report": "intervention report",
    },
}


def built_in(language: Language, profile: Profile) -> str:
    return BUILT_IN[language][profile]
