"""`python -m documents`: run the Documents service alone."""

from documents.service import DEFINITION
from events.service.serve import serve

serve(DEFINITION)
