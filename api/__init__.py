"""REST API v1 (/api/v1): JSON endpoints for kiosks, counters, experts, managers and scripts.

Each endpoint parses its input, calls one service function and serializes the result; the rules live
in guichet.services, so this door obeys exactly what the pages obey. Described at /api/v1/openapi.json.
"""

# Importing the modules registers their routes on bp.
from . import (  # noqa: F401
    booking,
    booking_setup,
    cases,
    counters,
    expert_setup,
    management,
    queue,
    requests,
    setup,
    site_setup,
    stats,
    system,
)
from .blueprint import bp

__all__ = ["bp"]
