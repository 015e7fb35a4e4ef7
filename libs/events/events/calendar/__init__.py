"""Business calendars: opening hours, public holidays, time zone and cut-off, as pure values.

Shared by every service that counts business time (the SLA clock's deadlines, the approvals'
step due times); ``BusinessCalendar.to_spec()`` / ``from_spec()`` is the form carried by
``sla_clock.CalendarDefined``."""

from events.calendar.business_calendar import DEFAULT_CUTOFF, BusinessCalendar
from events.calendar.opening_hours import OpeningSpan, WeeklyHours

__all__ = ["DEFAULT_CUTOFF", "BusinessCalendar", "OpeningSpan", "WeeklyHours"]
