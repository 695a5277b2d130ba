"""The API v1 blueprint; every module of the package registers its routes on it."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
