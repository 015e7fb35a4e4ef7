"""SLA clock service: business time, SLA policies, deadlines, relances, alerts and KPIs."""
