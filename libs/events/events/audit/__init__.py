"""Verifiable audit: the event log as a transparency log (RFC 9162 Merkle tree, signed
checkpoints in the signed-note format, witness cosignatures, proofs, offline bundles)."""
