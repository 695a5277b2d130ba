"""Plain pages of the core application: the home page listing what this installation serves."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from .api.auth import ctx, public
from .models import Site

bp = Blueprint("pages", __name__)


@bp.get("/")
@public
def home():
    with ctx().db.session() as s:
        site_list = [(site.slug, site.name) for site in s.scalars(select(Site).order_by(Site.name))]
    return render_template("home.html", sites=site_list)
