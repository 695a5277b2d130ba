"""How this process runs concurrent work: greenlets, when `guichet serve` patched it for gevent, or threads.

Code whose behaviour must differ asks here (Socket.IO's async mode, SQLite's lock waits), never gevent
itself, so that importing this module never imports gevent.
"""

from __future__ import annotations

import sys


def gevent_patched() -> bool:
    """Whether gevent patched the standard library (guichet.entry does it for `guichet serve`)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("socket"))
