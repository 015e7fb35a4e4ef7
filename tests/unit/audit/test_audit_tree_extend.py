"""Folding leaves into the log's tree a page at a time gives the tree of appending them one by one."""

from __future__ import annotations

import hashlib
import random

from events.audit.merkle import MerkleTree
from events.audit.transparency import extend_tree


def _leaf(n: int) -> bytes:
    return hashlib.sha256(n.to_bytes(8, "big")).digest()


def test_pages_of_any_size_give_the_same_levels_as_leaf_by_leaf_appends() -> None:
    rng = random.Random(15)
    one_by_one, paged = MerkleTree(), MerkleTree()
    added = 0
    while added < 3000:
        count = rng.choice([0, 1, 2, 3, 255, 256, 257, rng.randrange(1, 700)])
        hashes = [_leaf(added + k) for k in range(count)]
        one_by_one.extend(hashes)
        extend_tree(paged, b"".join(hashes))
        added += count
        assert (paged.size, paged.levels) == (one_by_one.size, one_by_one.levels)
    assert paged.root(1234) == one_by_one.root(1234)
    assert paged.inclusion_proof(777) == one_by_one.inclusion_proof(777)


def test_extending_by_nothing_changes_nothing() -> None:
    tree = MerkleTree([_leaf(0), _leaf(1), _leaf(2)])
    levels = [bytes(level) for level in tree.levels]
    extend_tree(tree, b"")
    assert (tree.size, [bytes(level) for level in tree.levels]) == (3, levels)
