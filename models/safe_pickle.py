"""A pickle reader that never runs code from the file: every global is checked against an exact allow-list.

Used for AIST++ motion pickles, which hold only plain containers of numpy arrays and scalars. A refused
global raises `RefusedGlobal` naming it; the caller adds the file name. `pickle_globals` lists what a pickle
would import without loading it (to name the culprit when torch's own safe loader refuses a file).
See docs/security.md.
"""

from __future__ import annotations

import _compat_pickle
import pickle
import pickletools
from typing import IO, Any

# numpy array and scalar reconstruction, under numpy 1.x and 2.x module names
NUMPY_ARRAYS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),  # protocol 5
    ("_codecs", "encode"),  # how protocol-2 pickles store bytes
})  # fmt: skip


class RefusedGlobal(pickle.UnpicklingError):
    """A pickle referenced a global outside the reader's allow-list (the file was not loaded)."""


class _SafeUnpickler(pickle.Unpickler):
    def __init__(self, handle: IO[bytes], allowed: frozenset[tuple[str, str]]) -> None:
        super().__init__(handle)
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.allowed:
            return super().find_class(module, name)  # numpy 2 maps numpy.core.* to numpy._core.* itself
        raise RefusedGlobal(f"refused pickle global {module}.{name}")


def load(handle: IO[bytes], allowed: frozenset[tuple[str, str]] = NUMPY_ARRAYS) -> Any:
    """Unpickle one object from `handle`, resolving only `allowed` globals."""
    return _SafeUnpickler(handle, allowed).load()


def pickle_globals(data: bytes) -> list[str]:
    """The `module.name` globals a pickle references, in order, found by reading opcodes (nothing is loaded);
    Python 2 module names (`__builtin__`) are given as Python 3 imports them."""
    found, strings = [], []
    try:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.name in ("GLOBAL", "INST"):
                found.append(tuple(arg.split(" ", 1)))
            elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append(tuple(strings[-2:]))
            elif isinstance(arg, str):
                strings.append(arg)
    except Exception:  # a truncated or corrupt pickle: report what was read before it
        pass
    return list(dict.fromkeys(f"{_compat_pickle.IMPORT_MAPPING.get(m, m)}.{n}" for m, n in found))
