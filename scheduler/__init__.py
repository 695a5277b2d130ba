"""Online appointment booking pages (/rdv/...): citizens, and agents booking on their behalf.

The pages are server-rendered forms that work without JavaScript; each step calls the booking service
(guichet/services/booking.py), the same one the REST API uses (docs/contracts/booking.md).
"""

from . import contact, manage  # noqa: F401  (their pages register on bp)
from .views import bp

__all__ = ["bp"]
