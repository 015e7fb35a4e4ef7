"""The read-model rows of an approval written by one statement on PostgreSQL.

The rows are those of :func:`approvals.adapters.projection.project_rows` (the approval, its
inbox, its deciders, its validated content, its step deadline), sent as one JSON document
that data-modifying CTEs spread over the tables (``jsonb_populate_record*`` with each table's
own row type, so the columns follow the tables). A submission is then one statement instead
of three, a decision one instead of four or more, each run on the asyncpg connection (no
SQLAlchemy work per execution): the SQL round trips, and the Python work of each statement,
are what a submit-and-decide round trip spent most of its time on.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.authorisation_tables import approval_deadlines
from approvals.adapters.tables import approval_deciders, approval_inbox, approvals, validated_contents
from events.persistence import postgres_driver


def _rows_of(table: Table, part: str, *, single: bool = False) -> str:
    function = "jsonb_populate_record" if single else "jsonb_populate_recordset"
    return f"SELECT r.* FROM doc, {function}(NULL::{table.name}, doc.d->'{part}') AS r"


def _set_from_excluded(table: Table, key: tuple[str, ...]) -> str:
    columns = [c.name for c in table.columns if c.name not in key]
    return f"({', '.join(columns)}) = ({', '.join('EXCLUDED.' + c for c in columns)})"


_DOC = "doc AS (SELECT CAST($1 AS jsonb) AS d)"
_THIS_APPROVAL = "CAST(doc.d->>'approval_id' AS uuid)"
_APPROVAL_COLUMNS = ", ".join(c.name for c in approvals.columns if c.name != "approval_id")
_APPROVAL_VALUES = ", ".join("r." + c.name for c in approvals.columns if c.name != "approval_id")
_INBOX_REFRESHED = _set_from_excluded(approval_inbox, ("approval_id", "approver"))
_INBOX_KEPT = "SELECT approver FROM jsonb_populate_recordset(NULL::approval_inbox, doc.d->'inbox')"

CREATED = f"""WITH {_DOC},
approval AS (INSERT INTO approvals {_rows_of(approvals, "approval", single=True)}),
inbox AS (INSERT INTO approval_inbox {_rows_of(approval_inbox, "inbox")}),
validated AS (INSERT INTO validated_contents {_rows_of(validated_contents, "validated")}),
deadline AS (INSERT INTO approval_deadlines {_rows_of(approval_deadlines, "deadline")})
SELECT 1"""
"""A new approval: nothing of it exists yet, so every row is inserted."""

UPDATED = f"""WITH {_DOC},
approval AS (
  UPDATE approvals AS a SET ({_APPROVAL_COLUMNS}) = ({_APPROVAL_VALUES})
  FROM doc, jsonb_populate_record(NULL::approvals, doc.d->'approval') AS r
  WHERE a.approval_id = r.approval_id
),
inbox_left AS (
  DELETE FROM approval_inbox AS i USING doc
  WHERE i.approval_id = {_THIS_APPROVAL}
    AND i.approver NOT IN ({_INBOX_KEPT})
),
inbox AS (
  INSERT INTO approval_inbox {_rows_of(approval_inbox, "inbox")}
  ON CONFLICT (approval_id, approver) DO UPDATE SET {_INBOX_REFRESHED}
),
deciders AS (INSERT INTO approval_deciders {_rows_of(approval_deciders, "deciders")} ON CONFLICT DO NOTHING),
validated AS (INSERT INTO validated_contents {_rows_of(validated_contents, "validated")}),
unvalidated AS (
  DELETE FROM validated_contents AS v USING doc
  WHERE v.approval_id = {_THIS_APPROVAL} AND CAST(doc.d->>'withdrawn' AS boolean)
),
deadline_closed AS (
  DELETE FROM approval_deadlines AS l USING doc
  WHERE l.approval_id = {_THIS_APPROVAL} AND jsonb_array_length(doc.d->'deadline') = 0
),
deadline AS (
  INSERT INTO approval_deadlines {_rows_of(approval_deadlines, "deadline")}
  ON CONFLICT (approval_id) DO UPDATE SET {_set_from_excluded(approval_deadlines, ("approval_id",))}
  WHERE (approval_deadlines.step, approval_deadlines.level) IS DISTINCT FROM (EXCLUDED.step, EXCLUDED.level)
     OR (EXCLUDED.due_at IS NOT NULL AND approval_deadlines.due_at IS DISTINCT FROM EXCLUDED.due_at)
)
SELECT 1"""
"""An approval decided, withdrawn, expired or escalated: its row replaced; the inbox rows of
its open step kept, added or removed; its new deciders added; its validated content added
(the commit that validated it) or removed (a withdrawal); its deadline row removed once no
step is open, replaced when another step opened or the circuit moved the due time, else kept
with what the deadline worker computed."""


async def write_rows(
    connection: AsyncConnection,
    created: bool,
    approval: dict[str, Any],
    inbox: list[dict[str, Any]],
    deciders: list[dict[str, Any]],
    validated: dict[str, Any] | None,
    withdrawn: bool,
    deadline: dict[str, Any] | None,
) -> None:
    document = {
        "approval_id": approval["approval_id"],
        "approval": approval,
        "inbox": inbox,
        "deciders": deciders,
        "validated": [validated] if validated is not None else [],
        "withdrawn": withdrawn,
        "deadline": [deadline] if deadline is not None else [],
    }
    native = await postgres_driver(connection)
    await native.execute(CREATED if created else UPDATED, orjson.dumps(document, default=str).decode())
