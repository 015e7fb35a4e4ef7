"""FastAPI dependencies of the documents routes (``XDep`` aliases)."""

from typing import Annotated

from fastapi import Depends

from documents.bootstrap import Documents, bootstrap
from events.service.app import RuntimeDep


async def get_documents(runtime: RuntimeDep) -> Documents:
    return bootstrap(runtime)


DocumentsDep = Annotated[Documents, Depends(get_documents)]
