"""`python -m intake`: run the Intake service alone."""

from events.service.serve import serve
from intake.service import DEFINITION

serve(DEFINITION)
