"""Free a replaced engine a slice at a time, so that the threads still answering never wait for it.

Dropping the last reference to an engine over a 10,000-article archive frees millions of objects in one C call
that holds the GIL for 50-70 ms: every answer in flight stalls that long. `free_gradually`, run in a thread of
its own once nothing else uses the engine, takes the engine apart instead: each large list, dict or set it owns
is emptied a slice at a time, and the interpreter hands the GIL to waiting threads between slices.

Only what the engine holds alone is taken apart (its reference count says so): a passage or a speaker that an
answer in a user's conversation still holds is left as it is and freed by reference counting as usual.
"""

from __future__ import annotations

import sys
import time

SLICE = 2048  # items freed between two chances for other threads to run
_OWN = ("index.", "bot.")  # modules whose objects are taken apart attribute by attribute


def wait_until_unused(obj: object, timeout: float, *, known: int = 0, poll: float = 0.05) -> bool:
    """Wait until nothing but the caller (and `known` references it knows of) holds `obj`: the answers in
    flight have finished. False after `timeout`."""
    deadline = time.monotonic() + timeout
    while sys.getrefcount(obj) > 3 + known:  # the caller's reference, this frame's argument, getrefcount's
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True


def free_gradually(root: object) -> int:
    """Take apart `root` (which the caller must hold alone) and what it alone owns; return the objects freed
    slice by slice. Call it from a background thread and drop `root` afterwards."""
    freed = 0
    stack = [root]
    while stack:
        obj = stack.pop()
        attrs = getattr(obj, "__dict__", None)
        if not isinstance(attrs, dict):
            continue
        for name in list(attrs):
            value = attrs.pop(name)  # a frozen dataclass's __dict__ is a plain dict too
            if sys.getrefcount(value) <= 2:  # `value` and getrefcount's argument: nobody else holds it
                if type(value).__module__.startswith(_OWN):
                    stack.append(value)
                elif isinstance(value, (list, dict, set, tuple, frozenset)) and len(value) > SLICE:
                    if isinstance(value, (tuple, frozenset)):
                        value = list(value)  # the items live on in the list: dropping the tuple frees none
                    freed += _drain(value)
            del value
        time.sleep(0)
    return freed


def _drain(container: list[object] | dict[object, object] | set[object]) -> int:
    """Empty a container the caller holds alone, a slice at a time."""
    size = len(container)
    if isinstance(container, list):
        while container:
            del container[-SLICE:]
            time.sleep(0)
    elif isinstance(container, dict):
        while container:
            for _ in range(min(SLICE, len(container))):
                container.popitem()
            time.sleep(0)
    else:
        while container:
            for _ in range(min(SLICE, len(container))):
                container.pop()
            time.sleep(0)
    return size
