"""The value capture policy: which Python values become which data nodes, and how changes are noticed.

Two steps, so the kernel's thread does little:

1. :func:`fingerprint` (kernel thread, at cell end): a cheap digest that changes when the value changes.
   Small values are digested completely; numpy arrays and DataFrames above ``hash_inline_bytes`` by
   shape, dtype, buffer address and an evenly spaced sample of 4,096 elements/rows (an in-place change
   that misses every sampled element goes unnoticed until the name is rebound).
2. :func:`capture` (kernel thread) takes what the writer thread needs: the JSON text of small values, a
   *copy* of arrays/tables up to ``copy_limit_bytes``; above that, the live object, hashed on the writer
   thread afterwards. If a live value changed before it was hashed (the sample differs), the data node
   gets the attribute ``changed_after_cell = True``: what was stored is the value at hashing time.
   :func:`build_node` (writer thread) turns a capture into an unstored data node.

Kinds: ``json`` (None excluded: JSON-able scalars, lists, tuples, dicts of them, up to
``max_json_bytes``) → Int/Float/Str/Bool/List/Dict; ``array`` → Array (``.npy``); ``table`` (pandas)
→ Table (Parquet or CSV); ``node`` (a stored provenance node) → linked as it is; everything else
(modules, functions, classes, models, handles, None) → Reference: type, a repr excerpt and a
fingerprint, never the object itself. Nothing is pickled.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import reprlib
import tempfile
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

SAMPLE = 4096
#: values up to this size go into a pack file of the repository, larger ones are loose files
PACK_LIMIT = 4 << 20
_repr = reprlib.Repr()
_repr.maxstring = 160
_repr.maxother = 160
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 8


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass
class CapturePolicy:
    """Size limits of value capture; change them on the recorder (``%provenance config key=value``)."""

    max_json_bytes: int = 1 << 20
    hash_inline_bytes: int = 1 << 20
    copy_limit_bytes: int = 64 << 20
    max_value_bytes: int = 8 << 30
    max_file_bytes: int = 1 << 30
    inline_file_bytes: int = 1 << 20
    max_stream_chars: int = 64 << 10
    capture_streams: bool = True
    record_files: bool = True
    ignore_file_patterns: list[str] = field(default_factory=lambda: [
        "*.py", "*.pyc", "*.so", "*.pth", "*.ipynb_checkpoints*", "/proc/*", "/dev/*", "/sys/*", "/usr/*", "/etc/*",
        "*/site-packages/*", "*/.ipython/*", "*/.jupyter/*", "*/.cache/*", "*/.local/share/jupyter/*",
    ])

    def set(self, key: str, value: str) -> None:
        if key not in self.__dataclass_fields__ or key == "ignore_file_patterns":
            known = ", ".join(k for k in self.__dataclass_fields__ if k != "ignore_file_patterns")
            raise ValueError(f"unknown capture setting {key!r} (known: {known})")
        current = getattr(self, key)
        text = value.strip().lower()
        if isinstance(current, bool):
            if text not in _TRUE + _FALSE:
                raise ValueError(f"capture setting {key!r}: {value!r} is not true or false")
            parsed: Any = text in _TRUE
        else:
            try:
                parsed = int(float(text))
            except (ValueError, OverflowError):
                raise ValueError(f"capture setting {key!r}: {value!r} is not a number") from None
            if parsed < 0:
                raise ValueError(f"capture setting {key!r}: {value!r} must be 0 or more")
        setattr(self, key, parsed)


@dataclass(slots=True)
class Captured:
    """What the writer needs to make the data node of one value."""

    kind: str
    fingerprint: str
    payload: Any = None
    python_type: str = ""
    live: bool = False
    nbytes: int = 0
    """bytes the payload holds (a copy, or a live array/table the record keeps alive)"""


def _type_name(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _digest(*parts: bytes | str) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()


_JSON_SCALARS = (bool, int, float, str)


def _json_text(obj: Any, policy: CapturePolicy) -> bytes | None:
    """Canonical JSON of a JSON-able value within the size limit, else ``None``."""
    kind = type(obj)
    if kind in _JSON_SCALARS:
        if kind is str and len(obj) > policy.max_json_bytes:
            return None
    elif kind in (list, tuple, dict):
        if len(obj) > policy.max_json_bytes // 4:
            return None
    else:
        return None
    try:
        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    if len(text) > policy.max_json_bytes:
        return None
    if kind is dict and not all(type(k) is str for k in obj):
        return None  # JSON would turn the keys into strings: not the same value
    return text.encode()


def _is_ndarray(obj: Any) -> bool:
    return type(obj).__module__ == "numpy" and type(obj).__name__ == "ndarray"


def _is_frame(obj: Any) -> bool:
    module = type(obj).__module__
    return module.startswith("pandas") and type(obj).__name__ in ("DataFrame", "Series")


def _array_sample(array: Any) -> bytes:
    import numpy as np

    n = array.size
    if n <= SAMPLE:
        return array.tobytes()
    index = np.linspace(0, n - 1, SAMPLE, dtype=np.intp)
    return array.flat[index].tobytes()


def _array_fingerprint(array: Any, policy: CapturePolicy) -> str:
    head = f"{array.shape}|{array.dtype.str}"
    if array.nbytes <= policy.hash_inline_bytes:
        return _digest("array", head, array.tobytes())
    address = array.__array_interface__["data"][0]
    return _digest("array-sampled", head, str(address), _array_sample(array))


def _frame_fingerprint(frame: Any, policy: CapturePolicy) -> str | None:
    import pandas as pd

    if not hasattr(frame, "columns"):
        frame = frame.to_frame()
    head = f"{frame.shape}|{list(map(str, frame.columns))}|{list(map(str, frame.dtypes))}"
    try:
        size = int(frame.memory_usage(index=True, deep=False).sum())
        if size <= policy.hash_inline_bytes:
            return _digest("table", head, pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
        n = len(frame)
        import numpy as np

        rows = np.linspace(0, n - 1, min(n, SAMPLE), dtype=np.intp)
        sample = pd.util.hash_pandas_object(frame.iloc[rows], index=True).to_numpy().tobytes()
        return _digest("table-sampled", head, str(id(frame)), sample)
    except (TypeError, ValueError):
        return None  # unhashable cells (lists in an object column): a reference


def _code_digest(code: types.CodeType) -> str:
    parts: list[bytes | str] = [code.co_code, repr(code.co_names), repr(code.co_varnames)]
    for const in code.co_consts:
        parts.append(_code_digest(const) if isinstance(const, types.CodeType) else repr(const))
    return _digest(*parts)


def _node_types():
    from ..orm.nodes.data import Data

    return Data


def fingerprint(obj: Any, policy: CapturePolicy) -> tuple[str, str]:
    """(kind, digest) of a value: equal digests mean "unchanged" for the recorder.

    A value that cannot be digested (a DataFrame of objects whose ``__hash__`` raises) is a reference.
    """
    try:
        return _fingerprint(obj, policy)
    except Exception:  # noqa: BLE001 - one odd value must not lose the cell's record
        return "reference", _digest("object", _type_name(obj), str(id(obj)))


def _fingerprint(obj: Any, policy: CapturePolicy) -> tuple[str, str]:
    kind = type(obj)
    if kind in _JSON_SCALARS or kind in (list, tuple, dict):
        text = _json_text(obj, policy)
        if text is not None:
            return "json", _digest("json", text)
    elif _is_ndarray(obj):
        if obj.dtype != object and obj.nbytes <= policy.max_value_bytes:
            return "array", _array_fingerprint(obj, policy)
    elif type(obj).__module__ == "numpy" and hasattr(obj, "item") and getattr(obj, "ndim", None) == 0:
        text = _json_text(obj.item(), policy)
        if text is not None:
            return "json", _digest("json", text)
    elif _is_frame(obj):
        digest = _frame_fingerprint(obj, policy)
        if digest is not None:
            return "table", digest
    elif isinstance(obj, _node_types()):
        if obj.is_stored:
            return "node", _digest("node", obj.uuid)
    elif isinstance(obj, types.ModuleType):
        return "reference", _digest("module", obj.__name__, str(getattr(obj, "__version__", "")))
    elif isinstance(obj, types.FunctionType):
        return "reference", _digest("function", obj.__qualname__, _code_digest(obj.__code__))
    return "reference", _digest("object", _type_name(obj), str(id(obj)))


def _reference_payload(obj: Any) -> dict[str, str]:
    if isinstance(obj, types.ModuleType):
        version = getattr(obj, "__version__", None)
        text = f"<module {obj.__name__}{' ' + str(version) if version else ''}>"
    elif isinstance(obj, (types.FunctionType, type)):
        text = f"<{'class' if isinstance(obj, type) else 'function'} {obj.__qualname__}>"
    else:
        try:
            text = _repr.repr(obj)
        except Exception as exc:  # noqa: BLE001 - a broken __repr__ must not break the cell
            text = f"<repr failed: {type(exc).__name__}>"
    return {"python_type": _type_name(obj), "repr": text[:200]}


def capture(obj: Any, kind: str, digest: str, policy: CapturePolicy) -> Captured:
    """Take what the writer thread needs of ``obj`` now (a copy when it is small enough)."""
    if kind == "json":
        value = obj.item() if type(obj).__module__ == "numpy" else obj
        text = _json_text(value, policy)
        return Captured("json", digest, text, _type_name(obj), nbytes=len(text or b""))
    if kind == "array":
        if obj.nbytes <= policy.copy_limit_bytes:
            return Captured("array", digest, obj.copy(), _type_name(obj), nbytes=obj.nbytes)
        return Captured("array", digest, obj, _type_name(obj), live=True, nbytes=obj.nbytes)
    if kind == "table":
        size = int(obj.memory_usage(index=True, deep=False).sum()) if hasattr(obj, "columns") else int(obj.memory_usage(index=True))
        if size <= policy.copy_limit_bytes:
            return Captured("table", digest, obj.copy(), _type_name(obj), nbytes=size)
        return Captured("table", digest, obj, _type_name(obj), live=True, nbytes=size)
    if kind == "node":
        return Captured("node", digest, obj, _type_name(obj))
    return Captured("reference", digest, _reference_payload(obj), _type_name(obj))


def observe(obj: Any, policy: CapturePolicy) -> Captured:
    kind, digest = fingerprint(obj, policy)
    return capture(obj, kind, digest, policy)


# ---- writer side -------------------------------------------------------------------------------
class _HashingSink:
    """A write-only file object that SHA-256-hashes what is written (and optionally writes it on).

    ``gate`` is called before every write (the writer thread pauses there while a cell runs).
    """

    def __init__(self, target=None, hashing: bool = True, gate: Callable[[], None] | None = None):
        self.hash = hashlib.sha256() if hashing else None
        self.target = target
        self.gate = gate

    def write(self, data) -> int:
        if self.gate is not None:
            self.gate()
        if self.hash is not None:
            self.hash.update(data)
        if self.target is not None:
            self.target.write(data)
        return len(data)


#: the size of the pieces a large array is hashed and written in (each one a pause point)
STREAM_CHUNK = 1 << 20


class NpyStream:
    """The bytes of ``numpy.save(array)`` as a read stream over the array's own memory: no copy.

    The header is numpy's (:func:`numpy.lib.format.write_array_header_1_0`, or 2.0 when it does not fit,
    as :func:`numpy.lib.format.write_array` chooses); the data are slices of the array's buffer. Hashing
    and writing such slices release the GIL, so the kernel's cell runs on while a large value is stored.
    ``gate`` is called before every read: the writer thread pauses there while a cell executes.
    Use :func:`npy_stream`, which returns ``None`` for arrays this cannot do (not contiguous, structured).
    """

    def __init__(self, header: bytes, data: memoryview, gate: Callable[[], None] | None = None):
        self._header = header
        self._data = data
        self._position = 0
        self.gate = gate
        self.size = len(header) + data.nbytes

    def read(self, size: int = -1) -> bytes | memoryview:
        if self.gate is not None:
            self.gate()
        if size is None or size < 0:
            size = self.size
        position, header = self._position, self._header
        if position < len(header):
            chunk: bytes | memoryview = header[position:position + size]
        else:
            start = position - len(header)
            chunk = self._data[start:start + size]
        self._position += len(chunk)
        return chunk


def npy_stream(array: Any, gate: Callable[[], None] | None = None) -> NpyStream | None:
    """A zero-copy :class:`NpyStream` of a C- or Fortran-contiguous, unstructured array, else ``None``."""
    import numpy as np
    from numpy.lib import format as npy

    dtype = array.dtype
    if dtype.hasobject or dtype.names is not None or dtype.itemsize == 0:
        return None
    if array.flags.c_contiguous:
        memory = array
    elif array.flags.f_contiguous:
        memory = array.T  # numpy.save writes the Fortran order: the memory as it is
    else:
        return None
    try:
        header_data = npy.header_data_from_array_1_0(array)
        buffer = io.BytesIO()
        try:
            npy.write_array_header_1_0(buffer, header_data)
        except ValueError:  # the header is too long for format 1.0 (as in write_array: then 2.0)
            buffer = io.BytesIO()
            npy.write_array_header_2_0(buffer, header_data)
    except (ValueError, UnicodeError, TypeError):
        return None
    data = memoryview(memory.reshape(-1).view(np.uint8)) if array.size else memoryview(b"")
    return NpyStream(buffer.getvalue(), data, gate)


def npy_sha256(array: Any) -> str:
    """The SHA-256 of ``numpy.save(array)`` (the repository key of its ``.npy``), without a copy of the array."""
    import numpy as np

    stream = npy_stream(array)
    if stream is None:
        sink = _HashingSink()
        np.lib.format.write_array(sink, np.asanyarray(array), allow_pickle=False)
        if sink.hash is None:  # cannot happen: a sink made with hashing=True
            raise RuntimeError("the hashing sink has no hash")
        return sink.hash.hexdigest()
    digest = hashlib.sha256()
    while chunk := stream.read(STREAM_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _array_node(array: Any, *, offline: bool, pack: dict | None = None, gate: Callable[[], None] | None = None):
    import numpy as np

    from ..orm.nodes.array import Array
    from ..orm.nodes.node_files import put_large_stream

    if offline:
        return Array.from_numpy(array, key=npy_sha256(array))
    if array.nbytes <= PACK_LIMIT:
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
        return Array.from_numpy(array, key=_put_packed(buffer.getvalue(), pack))
    if (stream := npy_stream(array, gate)) is not None:
        # hashed and written straight from the array's memory, in pieces, with the GIL released
        return Array.from_numpy(array, key=put_large_stream(cast(BinaryIO, _Chunked(stream))))
    # not contiguous: numpy writes a copy in 16 MiB pieces through a temporary file
    handle, path = tempfile.mkstemp(suffix=".npy")
    try:
        with os.fdopen(handle, "wb") as out:
            # through a plain writer, numpy writes 16 MiB chunks (a real file gets one ``tofile`` call
            # that holds the GIL for the whole array, and the kernel's next cell would wait for it)
            np.lib.format.write_array(_HashingSink(out, hashing=False, gate=gate), np.asanyarray(array),
                                      allow_pickle=False)
        return Array.from_numpy(array, npy_file=path)
    finally:
        os.unlink(path)


class _Chunked:
    """A stream that reads ``STREAM_CHUNK`` at most per call, whatever size its reader asks for."""

    def __init__(self, stream: NpyStream):
        self._stream = stream

    def read(self, size: int = -1):
        return self._stream.read(STREAM_CHUNK if size is None or size < 0 else min(size, STREAM_CHUNK))


def _put_packed(content: bytes, pack: dict | None) -> str:
    """The repository key of a small file: stored now into a pack, or collected in ``pack`` (key → bytes)
    for the caller to store with others in one pack (the key is the SHA-256 of the bytes)."""
    if pack is None:
        from ..orm.nodes.node_files import put_packed

        return put_packed([content])[0]
    key = hashlib.sha256(content).hexdigest()
    pack[key] = content
    return key


def _table_node(frame: Any, *, offline: bool, pack: dict | None = None):
    from ..orm.nodes.table import Table, default_format, table_bytes

    if hasattr(frame, "to_frame") and not hasattr(frame, "columns"):
        frame = frame.to_frame()
    fmt = default_format()
    if offline:
        attributes, files = Table.offline_files(frame, fmt)
        return Table.from_frame(frame, fmt=fmt, key=files[attributes["filename"]])
    content = table_bytes(frame, fmt)
    if len(content) <= PACK_LIMIT:
        return Table.from_frame(frame, fmt=fmt, key=_put_packed(content, pack))
    return Table.from_frame(frame, fmt=fmt, content=content)


def reference_node(payload: dict[str, str], digest: str):
    from ..orm.nodes.data import Reference

    return Reference.of(payload["python_type"], payload["repr"], digest)


def build_node(captured: Captured, *, offline: bool = False, policy: CapturePolicy | None = None,
               pack: dict | None = None, gate: Callable[[], None] | None = None):
    """The (unstored) data node of a capture; a stored node is returned as it is.

    ``offline`` builds array/table nodes without writing the repository (file keys hashed directly),
    to compare a value with a recorded node. ``pack`` (key → bytes) collects small files for the caller
    to store in one pack; the node is only valid once they are stored. ``gate`` is called between the
    pieces of a large array (the writer thread pauses there while a cell runs).
    """
    if captured.kind == "node":
        return captured.payload
    if captured.kind == "json":
        from ..orm.nodes.data import to_data

        try:
            return to_data(json.loads(captured.payload))
        except Exception:  # noqa: BLE001 - e.g. a dict key the store refuses: keep a description
            text = captured.payload.decode()
            return reference_node({"python_type": captured.python_type, "repr": text[:200]}, captured.fingerprint)
    if captured.kind == "array":
        node = _array_node(captured.payload, offline=offline, pack=pack, gate=gate)
    elif captured.kind == "table":
        node = _table_node(captured.payload, offline=offline, pack=pack)
    else:
        return reference_node(captured.payload, captured.fingerprint)
    if captured.live and not offline:
        import contextlib

        with contextlib.suppress(Exception):
            if fingerprint(captured.payload, policy or CapturePolicy())[1] != captured.fingerprint:
                node.set_attribute("changed_after_cell", True)
    return node


def value_hash(obj: Any, policy: CapturePolicy | None = None) -> str | None:
    """The node hash the recorder would give ``obj`` (``None`` for references: they have no content)."""
    policy = policy or CapturePolicy()
    captured = observe(obj, policy)
    if captured.kind == "reference":
        return None
    if captured.kind == "node":
        return captured.payload.node_hash
    return build_node(captured, offline=True).compute_hash()
