"""`python -m retention`: run the Retention service alone."""

from events.service.serve import serve
from retention.service import DEFINITION

serve(DEFINITION)
