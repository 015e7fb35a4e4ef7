"""`python -m approvals`: run the Approvals service alone."""

from events.service.serve import serve
from approvals.service import DEFINITION

serve(DEFINITION)
