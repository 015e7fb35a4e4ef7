"""Entry points of the SLA clock: HTTP routes, the consumer, and the scheduler and rebuild workers."""
