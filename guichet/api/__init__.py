"""REST API v1: JSON endpoints that parse input, call one service function, and serialize."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Importing the modules registers their routes on bp.
from . import booking, routes  # noqa: E402,F401
