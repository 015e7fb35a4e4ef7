"""`python -m sla_clock`: run the SLA clock service alone."""

from events.service.serve import serve
from sla_clock.service import DEFINITION

serve(DEFINITION)
