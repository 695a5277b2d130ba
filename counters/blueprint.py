"""The counters blueprint; the agent's and the expert's view modules register their routes on it."""

from flask import Blueprint

bp = Blueprint(
    "counters",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/counters/static",
)
