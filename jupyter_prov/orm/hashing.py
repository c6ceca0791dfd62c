"""Content hashes of nodes: stable across backends, machines and Python sessions.

The hash covers the hashing-scheme version, the node type, the attributes that define the content
and the file tree (names and content hashes). It is what caching looks up. Changing what goes into
the hash means raising :data:`HASH_SCHEME`; stored hashes of the old scheme are then recomputed
with ``jprov node rehash``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

HASH_SCHEME = 1


_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def canonical_json(value: Any) -> bytes:
    return _canonical(value).encode()


def make_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({"scheme": HASH_SCHEME, **payload})).hexdigest()
