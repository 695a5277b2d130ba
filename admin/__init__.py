"""Administration pages for managers: setting a site up (services, counters, accounts, /admin/...),
which services each counter and agent serve (/admin/staff), the kiosks' printers (/admin/printers)
and the audit log. The pages hold no rule: they call the same services as the REST API."""

from . import (  # noqa: F401  (each registers its routes on bp)
    booking_views,
    expert_views,
    partner_views,
    setup_views,
    site_views,
)
from .views import bp

__all__ = ["bp"]
