"""An index on the data subject of each event's ``pii`` marker (erasure reports count a subject's
sealed events without reading the whole log).

The expression is written with a literal path, the same one ``events.pii.erasure`` queries
with (``marker_subject``): a planner uses an expression index only for an identical expression.
``IF NOT EXISTS`` keeps an index an operator built beforehand with ``CREATE INDEX CONCURRENTLY``
(a large log is not locked against appends while it builds).

Revision ID: 0004_events_pii_subject
"""

from alembic import op

revision = "0004_events_pii_subject"
down_revision = "0003_subject_keys"
branch_labels = None
depends_on = None

_EXPRESSION = {
    "postgresql": "(pii ->> 'subject')",
    "sqlite": "json_extract(pii, '$.subject')",
}


def upgrade() -> None:
    expression = _EXPRESSION[op.get_bind().dialect.name]
    op.execute(f"CREATE INDEX IF NOT EXISTS ix_events_pii_subject ON events ({expression})")
