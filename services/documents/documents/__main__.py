"""`python -m documents`: run the Documents service alone."""

from events.service.serve import serve
from documents.service import DEFINITION

serve(DEFINITION)
