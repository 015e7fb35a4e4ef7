"""Print a development bearer token for the embedded default.

python -m events.service.devtoken --sub alice --team support --level 2 --roles agent manager
"""

import argparse
import os

from events.service.auth import issue_token
from events.service.settings import DEV_JWT_SECRET


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sub", default="dev-agent")
    parser.add_argument("--roles", nargs="*", default=["agent"])
    parser.add_argument("--team", default="support")
    parser.add_argument("--level", type=int, choices=(1, 2, 3), default=1)
    arguments = parser.parse_args()
    secret = os.environ.get("GUICHET_JWT_SECRET", DEV_JWT_SECRET)
    print(
        issue_token(
            arguments.sub,
            roles=tuple(arguments.roles),
            team=arguments.team,
            level=arguments.level,
            secret=secret,
        )
    )


if __name__ == "__main__":
    main()
