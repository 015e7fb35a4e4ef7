"""`python -m approvals`: run the Approvals service alone."""

from approvals.service import DEFINITION
from events.service.serve import serve

serve(DEFINITION)
