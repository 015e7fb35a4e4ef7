"""Wiring of the Approvals service for the service kit: its definition (adapters are chosen in
``bootstrap``). ``definition.extra`` may carry ``clock``, ``authorities`` (an
``approvals.app.ports.Authorities``), ``deadline_rules`` and ``deadline_worker=False``.
The service consumes the SLA clock's calendars (step due times count on the calendar of
its policy in force), the documents submitted for validation (each an approval request) and
retention's erasures and purges, and sweeps the step deadlines in the background."""

from pathlib import Path

from approvals.entrypoints import audit_scope, authorisations, routes
from approvals.entrypoints.consumer import build_consumer
from approvals.entrypoints.deadline_worker import run_deadline_worker, stop_deadline_worker
from events.service.declaration import identity_of
from events.service.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    **identity_of("approvals"),
    title="Approvals",
    routers=(routes.router, authorisations.router, audit_scope.router),
    migrations=Path(__file__).parent / "adapters" / "migrations",
    consumes=("sla_clock", "documents", "retention"),
    consumer_factory=build_consumer,
    background=(run_deadline_worker,),
    on_stop=(stop_deadline_worker,),
)
