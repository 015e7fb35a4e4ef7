"""Use cases of the SLA clock over its ports: projecting events, firing timers, rules, KPIs, reports."""
