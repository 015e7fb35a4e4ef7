"""The Merkle tree against the RFC 9162 definitions and against pymerkle (RFC 9162 mode)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from events.audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    RightEdge,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)


def entries(size: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(size)]


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, written as the RFC recursion."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def rfc_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return rfc_path(m, leaves[:k]) + [mth(leaves[k:])]
    return rfc_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def rfc_proof(m: int, leaves: list[bytes], complete: bool = True) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return rfc_proof(m, leaves[:k], complete) + [mth(leaves[k:])]
    return rfc_proof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def tree_of(data: list[bytes]) -> MerkleTree:
    return MerkleTree(leaf_hash(entry) for entry in data)


def pymerkle_tree(data: list[bytes]) -> InmemoryTree:
    tree = InmemoryTree(algorithm="sha256")
    for entry in data:
        tree.append_entry(entry)
    return tree


def test_hashing_uses_rfc9162_prefixes() -> None:
    assert leaf_hash(b"a") == hashlib.sha256(b"\x00a").digest()
    assert node_hash(b"l" * 32, b"r" * 32) == hashlib.sha256(b"\x01" + b"l" * 32 + b"r" * 32).digest()
    assert MerkleTree().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300))
def test_roots_agree_with_pymerkle_at_every_prefix(size: int) -> None:
    data = entries(size)
    ours = tree_of(data)
    theirs = pymerkle_tree(data)
    for prefix in {1, size // 3 or 1, size // 2 or 1, size - 1 or 1, size}:
        assert ours.root(prefix) == theirs.get_root(prefix)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_inclusion_proofs_are_the_rfc_path_and_match_pymerkle(size: int, data: st.DataObject) -> None:
    items = entries(size)
    tree = tree_of(items)
    theirs = pymerkle_tree(items)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    at_size = data.draw(st.integers(min_value=index + 1, max_value=size))
    proof = tree.inclusion_proof(index, at_size)
    assert proof == rfc_path(index, items[:at_size])
    # pymerkle's path holds the leaf first, then the RFC's audit path.
    pymerkle_path = [bytes.fromhex(h) for h in theirs.prove_inclusion(index + 1, at_size).serialize()["path"]]
    assert pymerkle_path[1:] == proof
    assert verify_inclusion(leaf_hash(items[index]), index, at_size, proof, theirs.get_root(at_size))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_consistency_proofs_are_the_rfc_proof_and_verify_against_pymerkle_roots(
    size: int, data: st.DataObject
) -> None:
    items = entries(size)
    tree = tree_of(items)
    theirs = pymerkle_tree(items)
    old = data.draw(st.integers(min_value=1, max_value=size))
    proof = tree.consistency_proof(old, size)
    assert proof == rfc_proof(old, items)
    assert verify_consistency(old, size, theirs.get_root(old), theirs.get_root(size), proof)


def test_right_edge_root_follows_every_size() -> None:
    items = entries(300)
    edge = RightEdge()
    assert edge.root() == EMPTY_ROOT
    for n, entry in enumerate(items, start=1):
        edge.append(leaf_hash(entry))
        assert edge.root() == mth(items[:n])


def test_a_proof_for_another_leaf_or_root_fails() -> None:
    items = entries(37)
    tree = tree_of(items)
    proof = tree.inclusion_proof(12)
    assert verify_inclusion(tree.leaf(12), 12, 37, proof, tree.root())
    assert not verify_inclusion(tree.leaf(13), 12, 37, proof, tree.root())
    assert not verify_inclusion(tree.leaf(12), 13, 37, proof, tree.root())
    assert not verify_inclusion(tree.leaf(12), 12, 37, proof[:-1], tree.root())
    assert root_from_inclusion(tree.leaf(12), 12, 37, [*proof, proof[0]]) is None
    assert not verify_inclusion(tree.leaf(12), 12, 37, proof, tree.root(36))


def test_consistency_fails_for_a_forked_history() -> None:
    items = entries(50)
    forked = [*items[:19], b"forged", *items[20:]]
    honest, other = tree_of(items), tree_of(forked)
    proof = honest.consistency_proof(30, 50)
    assert verify_consistency(30, 50, honest.root(30), honest.root(50), proof)
    assert not verify_consistency(30, 50, other.root(30), honest.root(50), proof)
    assert not verify_consistency(30, 50, honest.root(30), other.root(50), proof)
    assert not verify_consistency(30, 50, honest.root(30), honest.root(50), [])
    assert verify_consistency(50, 50, honest.root(), honest.root(), [])
    assert not verify_consistency(50, 50, honest.root(), other.root(), [])


def test_sizes_out_of_range_are_refused() -> None:
    tree = tree_of(entries(5))
    with pytest.raises(ValueError):
        tree.inclusion_proof(5)
    with pytest.raises(ValueError):
        tree.consistency_proof(6, 5)
    with pytest.raises(ValueError):
        tree.root(6)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 5, 8, 13, 64, 255, 256, 257, 300])
def test_a_tree_built_in_bulk_is_the_tree_built_by_appends(size: int) -> None:
    hashes = [leaf_hash(entry) for entry in entries(size)]
    bulk, appended = MerkleTree.from_concatenated(b"".join(hashes)), MerkleTree(hashes)
    assert bulk.size == appended.size
    assert bulk.levels == appended.levels
    if size:
        bulk.append(leaf_hash(b"one more"))
        appended.append(leaf_hash(b"one more"))
        assert bulk.root() == appended.root() == mth([*entries(size), b"one more"])
