"""The SLA clock's access policy: who may call each route (data, one place).

Every route states one permission of ``POLICY``; the OpenAPI description of each operation
is written from it. The SLA clock holds no personal data: reads are open to any
authenticated caller, unfiltered.
"""

from __future__ import annotations

from enum import StrEnum

from events.service.access import AccessPolicy, anyone, at_least, only


class Permission(StrEnum):
    READ = "sla:read"
    DEFINE_POLICIES = "sla:define-policies"
    DEFINE_CALENDARS = "sla:define-calendars"
    REBUILD_PROJECTIONS = "sla:rebuild-projections"


POLICY = AccessPolicy(
    {
        Permission.READ: anyone(),
        Permission.DEFINE_POLICIES: at_least(3, "director"),
        Permission.DEFINE_CALENDARS: at_least(3, "director"),
        Permission.REBUILD_PROJECTIONS: only("ops"),
    }
)

allow = POLICY.allow
