"""REST API v1: JSON endpoints that parse input, call one service function, and serialize."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import errors, routes  # noqa: E402,F401  (registers handlers and routes on bp)
