"""Administration pages for managers: which services each counter and agent serve (/admin/staff),
the kiosks' printers (/admin/printers). The pages hold no rule: they call the same services as the
REST API (counters' and users' services, printers)."""

from .views import bp

__all__ = ["bp"]
