"""deploy/local/lib.sh: what the local PostgreSQL and Kafka scripts share."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "deploy" / "local" / "lib.sh"


def test_kafka_cluster_ids_are_16_byte_base64url_ids_that_never_look_like_an_option():
    """The storage tool failed on 1 start in 64: an id starting with "-" was taken for an option
    (500 draws: the old generator passes this 1 time in 2,600)."""
    script = f'SCRIPT=test; source "{LIB}"; for _ in $(seq 500); do kafka_cluster_id; done'
    ids = subprocess.run(["bash", "-c", script], check=True, capture_output=True, text=True).stdout.split()
    assert len(ids) == 500
    assert len(set(ids)) == 500
    for cluster_id in ids:
        assert not cluster_id.startswith("-")
        assert len(cluster_id) == 22
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
