"""Counter workstation: agents (/counter, and /counter/requests/new for requests from other
channels) and level-2 experts (/expert), and the /counter Socket.IO namespace their pages listen to.

Every action goes through the REST API (guichet.api), which calls the same services as everything
else: the pages hold no business rule. See docs/contracts/counter.md.
"""

# The view modules register their routes on `bp`.
from . import expert_views, request_views, views  # noqa: F401
from .blueprint import bp
from .socket import CounterNamespace

__all__ = ["CounterNamespace", "bp"]
