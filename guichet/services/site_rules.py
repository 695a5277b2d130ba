"""A site's settings and the queue rules they give, read the same way by every use case."""

from __future__ import annotations

from ..core.site_settings import QueueRules, SiteSettings
from ..models import Site
from .context import Context


def settings_of(site: Site) -> SiteSettings:
    return SiteSettings.parse(site.settings)


def queue_rules(ctx: Context, site: Site) -> QueueRules:
    """The site's choices over the installation's defaults (GUICHET_PRIORITY_CAP...)."""
    st = ctx.settings
    return settings_of(site).queue_rules(
        st.priority_cap, st.appointment_early_s, st.min_recalls_before_no_show
    )
