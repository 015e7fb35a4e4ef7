"""The business calendar, from the kit (events.calendar), shared by every service counting business time."""

from events.calendar.business_calendar import DEFAULT_CUTOFF, BusinessCalendar

__all__ = ["DEFAULT_CUTOFF", "BusinessCalendar"]
