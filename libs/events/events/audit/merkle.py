"""RFC 9162 Merkle tree hashing, the tree itself, and inclusion and consistency proofs.

Hashes are SHA-256 with domain separation (RFC 9162 §2.1.1): a leaf is
``SHA-256(0x00 ‖ data)``, an inner node ``SHA-256(0x01 ‖ left ‖ right)``, and the empty tree
``SHA-256("")``. A tree of ``n`` leaves splits at ``k``, the largest power of two below ``n``.

:class:`MerkleTree` keeps every complete subtree hash, level by level (``levels[h][i]`` is
the hash of leaves ``i·2^h … (i+1)·2^h - 1``, 32 bytes each in one ``bytearray`` per level:
about 64 bytes per leaf in all), so a root of any past size, an inclusion proof and a
consistency proof each cost O(log n) hashes. A level's hashes, grouped by 256, are the
tiles of the tiled transparency logs. :class:`RightEdge` is the O(log n)-memory
alternative when only roots are needed (appending, verifying a stream of leaves).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size`` ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


class RightEdge:
    """The roots of the complete subtrees on a growing tree's right edge: O(log n) memory.

    Appending a leaf merges equal-height subtrees (a binary counter); the root folds them
    from the right.
    """

    __slots__ = ("size", "_stack")

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []

    def append(self, hash_: bytes) -> None:
        """Add one leaf hash (already ``leaf_hash``-ed)."""
        stack = self._stack
        size = self.size
        while size & 1:
            hash_ = _sha256(NODE_PREFIX + stack.pop() + hash_).digest()
            size >>= 1
        stack.append(hash_)
        self.size += 1

    def root(self) -> bytes:
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        root = stack[-1]
        for left in reversed(stack[:-1]):
            root = _sha256(NODE_PREFIX + left + root).digest()
        return root


class MerkleTree:
    """An append-only Merkle tree keeping every complete subtree hash (see the module doc)."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[bytearray] = [bytearray()]
        self.size = 0
        self.extend(leaf_hashes)

    @classmethod
    def from_concatenated(cls, leaf_hashes: bytes) -> MerkleTree:
        """A tree from its leaf hashes end to end, built level by level (several times
        faster than appending one by one)."""
        if len(leaf_hashes) % HASH_SIZE:
            raise ValueError("leaf hashes are 32 bytes each")
        tree = cls()
        level = bytearray(leaf_hashes)
        tree.levels = [level]
        tree.size = len(level) // HASH_SIZE
        sha256, prefix = _sha256, NODE_PREFIX
        while len(level) >= 2 * HASH_SIZE:
            pairs = len(level) // (2 * HASH_SIZE) * 2 * HASH_SIZE
            level = bytearray(
                b"".join([sha256(prefix + level[i : i + 64]).digest() for i in range(0, pairs, 64)])
            )
            tree.levels.append(level)
        return tree

    def append(self, hash_: bytes) -> int:
        """Add one leaf hash; returns its index."""
        if len(hash_) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        index = self.size
        levels = self.levels
        levels[0] += hash_
        self.size = index + 1
        height, position = 0, index
        while position & 1:
            level = levels[height]
            end = len(level)
            parent = _sha256(NODE_PREFIX + level[end - 64 : end]).digest()
            height += 1
            position >>= 1
            if height == len(levels):
                levels.append(bytearray())
            levels[height] += parent
        return index

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for hash_ in leaf_hashes:
            self.append(hash_)

    def leaf(self, index: int) -> bytes:
        self._check_index(index, self.size)
        return self._complete(0, index)

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (default: all)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is beyond the tree's {self.size}")
        if size == 0:
            return EMPTY_ROOT
        return self._range(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 ``PATH(index, D[0:size])``, from the leaf up."""
        size = self.size if size is None else size
        if not 0 < size <= self.size:
            raise ValueError(f"size {size} is not in 1..{self.size}")
        self._check_index(index, size)
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                path.append(self._range(start + k, end))
                end = start + k
            else:
                path.append(self._range(start, start + k))
                start += k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 ``PROOF(old_size, D[0:new_size])``."""
        new_size = self.size if new_size is None else new_size
        if not 0 < old_size <= new_size <= self.size:
            raise ValueError(f"need 0 < {old_size} <= {new_size} <= {self.size}")
        path: list[bytes] = []
        start, end, complete = 0, new_size, True
        m = old_size
        while True:
            n = end - start
            if m == n:
                if not complete:
                    path.append(self._range(start, end))
                break
            k = _split(n)
            if m <= k:
                path.append(self._range(start + k, end))
                end = start + k
            else:
                path.append(self._range(start, start + k))
                start += k
                m -= k
                complete = False
        path.reverse()
        return path

    def _range(self, start: int, end: int) -> bytes:
        """``MTH(D[start:end])`` where ``start`` is a multiple of the largest power of two
        ≤ ``end - start`` (every subtree the RFC's recursions reach is of that shape)."""
        size = end - start
        if size & (size - 1) == 0:
            height = size.bit_length() - 1
            return self._complete(height, start >> height)
        k = _split(size)
        return _sha256(NODE_PREFIX + self._range(start, start + k) + self._range(start + k, end)).digest()

    def _complete(self, height: int, index: int) -> bytes:
        offset = index * HASH_SIZE
        return bytes(self.levels[height][offset : offset + HASH_SIZE])

    @staticmethod
    def _check_index(index: int, size: int) -> None:
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is not in 0..{size - 1}")


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or ``None`` if malformed."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    root = leaf
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            root = node_hash(sibling, root)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            root = node_hash(root, sibling)
        fn >>= 1
        sn >>= 1
    return root if sn == 0 else None


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``leaf`` (a leaf hash) is at ``index`` in the tree of ``size`` with ``root``."""
    return root_from_inclusion(leaf, index, size, proof) == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether the tree of ``new_size`` extends the one of ``old_size`` (RFC 9162 §2.1.4.2)."""
    if not 0 < old_size <= new_size:
        return old_size == 0 and not proof
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
