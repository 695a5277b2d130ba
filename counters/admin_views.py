"""Managers' staff page (/admin/staff): which services each counter and each agent or expert serves.

The page holds no data: admin.js loads the counters, staff and services through the REST API and saves
one row at a time (PUT /api/v1/counters/<id>/services, PUT /api/v1/users/<id>/services).
"""

from __future__ import annotations

from flask import render_template

from guichet.api.auth import actor, csrf_token, requires

from . import bp
from .expert_views import MANAGERS, watched_site
from .views import sign_in_first


@bp.get("/admin/staff")
@sign_in_first
@requires(*MANAGERS)
def admin_staff_page():
    a = actor()
    data = {"role": a.role, "user_id": a.id, "manager": True, "site": watched_site()}
    return render_template("counters/admin_staff.html", data=data, csrf=csrf_token(), staff_role=a.role)
