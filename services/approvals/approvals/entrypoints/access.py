"""Approvals' access policy: who may call each route (data).

Deciding and the inbox are open to staff at the door: the level comes from the caller's
authority (``Authorities``: the recorded habilitations and substitutions, so an agent holding a
habilitation or standing in for an absent approver decides), a 403 naming the missing right
(``approvals:decide-level-3``). Four eyes is the domain's: the author never decides on their
own content.
"""

from enum import StrEnum

from approvals.entrypoints.problems import ApprovalsRoute
from events.service.access import AccessPolicy, anyone, at_least, described_route, only

STAFF = ("agent", "manager", "director")


class Permission(StrEnum):
    SUBMIT = "approvals:submit"
    READ = "approvals:read"
    DECIDE = "approvals:decide"
    WITHDRAW = "approvals:withdraw"
    CHECK_VALIDATION = "approvals:check-validation"
    READ_INBOX = "approvals:read-inbox"
    READ_RULES = "approvals:read-rules"
    DEFINE_RULES = "approvals:define-rules"
    GRANT_HABILITATIONS = "approvals:grant-habilitations"
    READ_HABILITATIONS = "approvals:read-habilitations"
    APPOINT_SUBSTITUTES = "approvals:appoint-substitutes"


POLICY = AccessPolicy(
    {
        Permission.SUBMIT: only(*STAFF),
        Permission.READ: anyone(),
        Permission.DECIDE: only(
            *STAFF,
            note="The step's level is then checked against the caller's recorded habilitations "
            "(or those of the absent approver they substitute); never on one's own content.",
        ),
        Permission.WITHDRAW: only(*STAFF, note="The author, or a manager (manager role or level 2)."),
        Permission.CHECK_VALIDATION: anyone(
            note="The question every sender asks before transmitting a content."
        ),
        Permission.READ_INBOX: only(
            *STAFF, note="Steps open to the caller's recorded level, theirs and those they substitute."
        ),
        Permission.READ_RULES: anyone(),
        Permission.DEFINE_RULES: at_least(3, "director"),
        Permission.GRANT_HABILITATIONS: only("director", note="Never to oneself; revoking too."),
        Permission.READ_HABILITATIONS: anyone(
            note="Directors, quality, auditors and the dpo read every one; a manager their own and "
            "those scoped to their teams (and every substitution); anyone else their own."
        ),
        Permission.APPOINT_SUBSTITUTES: only(*STAFF, note="For oneself; a manager or director for anyone."),
    }
)

allow = POLICY.allow
AccessRoute = described_route(ApprovalsRoute)
"""Approvals' route class: problem+json errors, and the access rule in each operation's description."""
