"""The online request form for citizens (/demande/{site}) and the signed page where they follow their
request (/demande/suivi/{case}/{signature}). Server-rendered forms: they work without JavaScript."""

from . import views  # noqa: F401  (registers the routes on bp)
from .views import bp

__all__ = ["bp"]
