"""FastAPI dependencies of the retention routes."""

from typing import Annotated

from fastapi import Depends

from events.service.app import RuntimeDep
from retention.bootstrap import Retention, bootstrap


async def get_retention(runtime: RuntimeDep) -> Retention:
    return bootstrap(runtime)


RetentionDep = Annotated[Retention, Depends(get_retention)]
