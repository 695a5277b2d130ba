"""Counter workstation: agents (/counter) and level-2 experts (/expert), and the /counter Socket.IO
namespace their pages listen to.

Every action goes through the REST API (guichet.api), which calls the same services as everything
else: the pages hold no business rule. See docs/contracts/counter.md.
"""

from flask import Blueprint

bp = Blueprint(
    "counters",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/counters/static",
)

# The view modules register their routes on `bp`.
from . import expert_views, views  # noqa: E402,F401
from .socket import CounterNamespace  # noqa: E402

__all__ = ["CounterNamespace", "bp"]
