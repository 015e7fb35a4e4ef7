"""Calendar months for retention periods and the one-month deadline of a data-subject request.

End-of-month rule (Regulation 1182/71, art. 3(2)(c), as the EDPB reads it for art. 12(3)
GDPR): a period of months ends on the same day of the month it reaches; when that month has
no such day (received 31 January), it ends on that month's last day (28 or 29 February).
The instant keeps the time of day of the receipt.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

MAX_EXTENSION_MONTHS = 2


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus ``months`` calendar months, clamped to the last day of a shorter month."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_months_to_date(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def one_month_after(received_at: datetime) -> datetime:
    """When a data-subject request received at ``received_at`` is due."""
    return add_months(received_at, 1)
