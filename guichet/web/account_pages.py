"""Pages an account reaches without being signed in: choosing a password through a one-time link,
and the first run's setup page (the first site and its administrator, on an empty database)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session

from ..core.errors import Invalid
from ..services import first_run, people
from ..services.first_run import FirstRun
from .auth import ctx, public
from .csrf import csrf_token, form_token_ok
from .forms import read_form, submit

bp = Blueprint("account", __name__)

SETUP_FORM = {name: "text" for name in FirstRun.model_fields}


@bp.route("/compte/mot-de-passe/<code>", methods=["GET", "POST"])
@public
def choose_password(code: str) -> Any:
    # Public on purpose: the unguessable one-time code is the credential (as for enrolment links).
    username = people.reset_target(ctx(), code[:64])
    if username is None:
        return render_template("password.html", invalid=True), 404
    error = None
    if request.method == "POST":
        password, again = request.form.get("password", "")[:256], request.form.get("again", "")[:256]
        if not form_token_ok():
            error, status = "csrf", 403
        elif password != again:
            error, status = "different", 422
        else:
            try:
                people.set_password(ctx(), code[:64], password)
            except Invalid:  # too short: the rule is the service's
                error, status = "short", 422
            else:
                return render_template("password.html", invalid=False, done=True, username=username)
        return render_template(
            "password.html", invalid=False, username=username, csrf=csrf_token(), error=error
        ), status
    return render_template("password.html", invalid=False, username=username, csrf=csrf_token(), error=None)


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup() -> Any:
    # Public while no account exists; the code printed on the server's console is the credential.
    if not first_run.needs_setup(ctx()):
        abort(404)
    values: dict[str, Any] = {"timezone": "Europe/Paris"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form_token_ok():
            errors = {"form": "csrf"}
        else:
            values = read_form(SETUP_FORM)
            admin_id, errors = submit(FirstRun, values, lambda body: first_run.run_setup(ctx(), body))
            if not errors and admin_id is not None:
                session.clear()
                session["user_id"] = admin_id
                csrf_token()
                return redirect(f"/admin?site={values['site_slug']}", code=303)
        values.pop("password", None)
        values.pop("code", None)
    status = 422 if errors else 200
    return render_template("setup.html", csrf=csrf_token(), values=values, errors=errors), status
