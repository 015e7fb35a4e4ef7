"""Use cases of the SLA clock: projecting intake events, firing timers, policies, KPIs."""
