"""Retention's access policy: who may call each route (data).

Policies and legal holds are the DPO's; data-subject requests are received by staff (the
request reaches the DPO, docs/domain.md §16.2) and handled by the DPO; the access log is read
by the DPO and auditors only.
"""

from enum import StrEnum

from events.service.access import AccessPolicy, described_route, only
from retention.entrypoints.problems import RetentionRoute

STAFF = ("agent", "manager", "director", "dpo")


class Permission(StrEnum):
    READ_POLICY = "retention:read-policy"
    DEFINE_POLICY = "retention:define-policy"
    HOLD = "retention:legal-hold"
    PURGE = "retention:purge"
    READ_PURGES = "retention:read-purges"
    RECEIVE_SUBJECT_REQUEST = "retention:receive-subject-request"
    HANDLE_SUBJECT_REQUEST = "retention:handle-subject-request"
    READ_ACCESS_LOG = "retention:read-access-log"


POLICY = AccessPolicy(
    {
        Permission.READ_POLICY: only("dpo", "auditor", "director", "quality"),
        Permission.DEFINE_POLICY: only("dpo", note="A period outside the legal bounds is a 422."),
        Permission.HOLD: only("dpo"),
        Permission.PURGE: only("dpo", note="The scheduled job runs it too; each run records its proof."),
        Permission.READ_PURGES: only("dpo", "auditor"),
        Permission.RECEIVE_SUBJECT_REQUEST: only(
            *STAFF, note="Whoever receives the person's request records it; the DPO handles it."
        ),
        Permission.HANDLE_SUBJECT_REQUEST: only("dpo"),
        Permission.READ_ACCESS_LOG: only("dpo", "auditor"),
    }
)

allow = POLICY.allow
AccessRoute = described_route(RetentionRoute)
