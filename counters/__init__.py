"""Counter workstation pages: agents (/counter), level-2 experts (/expert), managers (/admin/staff).

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
from . import admin_views, expert_views  # noqa
from . import views  # noqa: E402,F401

__all__ = ["bp"]
