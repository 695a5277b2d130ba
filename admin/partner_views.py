"""Partners (installation-wide: admins change them, managers read them) and the site's categories of
services, from the browser: server-rendered forms calling guichet.services.partners and .categories."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for

from guichet.core.roles import ADMIN, MANAGERS
from guichet.services import categories, guards, partners
from guichet.web.auth import actor, ctx, requires, sign_in_first
from guichet.web.forms import read_form, refusal, submit
from guichet.web.i18n import LANGUAGES

from .pages import page, site_choice
from .views import bp

PARTNER_FORM = {"code": "text", "name": "text"}
CATEGORY_FORM = {"code": "text", "label": "text", "labels": "labels", "sort": "int"}


def _listing(slug: str, choices: list[tuple[str, str]], errors: dict[str, str] | None = None) -> Any:
    return page(
        "admin/partners.html",
        slug,
        choices,
        partners=partners.list_partners(ctx(), actor()),
        categories=categories.list_categories(ctx(), actor(), slug),
        admin=actor().role == ADMIN,
        languages=LANGUAGES,
        errors=errors or {},
    )


@bp.route("/admin/partners", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def partners_page() -> Any:
    slug, choices = site_choice()
    if request.method == "POST":
        action, code = request.form.get("action", ""), request.form.get("code", "")[:64]
        if action not in ("delete-partner", "delete-category") or not code:
            abort(400)
        if action == "delete-partner":
            refused = refusal(lambda: partners.delete_partner(ctx(), actor(), code))
        else:
            refused = refusal(lambda: categories.delete_category(ctx(), actor(), slug, code))
        if refused:  # in use: said above the lists, nothing deleted
            return _listing(slug, choices, refused)
        return redirect(url_for("admin.partners_page", site=slug, deleted=code))
    return _listing(slug, choices)


@bp.route("/admin/partners/new", methods=["GET", "POST"])
@bp.route("/admin/partners/<partner_code>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def partner_form(partner_code: str | None = None) -> Any:
    slug, choices = site_choice()
    guards.require_admin(actor())  # installation-wide: managers read the list only
    existing = {p["code"]: p for p in partners.list_partners(ctx(), actor())}
    if partner_code is not None and partner_code not in existing:
        abort(404)
    values: dict[str, Any] = existing[partner_code] if partner_code else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = read_form(PARTNER_FORM)
        if partner_code is None:
            _saved, errors = submit(
                partners.PartnerIn, data, lambda body: partners.create_partner(ctx(), actor(), body)
            )
        else:
            _saved, errors = submit(
                partners.PartnerPatch,
                data,
                lambda body: partners.update_partner(ctx(), actor(), partner_code, body),
            )
        if not errors:
            return redirect(url_for("admin.partners_page", site=slug, saved=data["code"]))
        values = {**values, **data}
    return page(
        "admin/partner_form.html", slug, choices, partner_code=partner_code, values=values, errors=errors
    )


@bp.route("/admin/categories/new", methods=["GET", "POST"])
@bp.route("/admin/categories/<category>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def category_form(category: str | None = None) -> Any:
    slug, choices = site_choice()
    existing = {c["code"]: c for c in categories.list_categories(ctx(), actor(), slug)}
    if category is not None and category not in existing:
        abort(404)
    values: dict[str, Any] = existing[category] if category else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = read_form(CATEGORY_FORM)
        if category is None:
            _saved, errors = submit(
                categories.CategoryIn,
                data,
                lambda body: categories.create_category(ctx(), actor(), slug, body),
            )
        else:
            _saved, errors = submit(
                categories.CategoryPatch,
                data,
                lambda body: categories.update_category(ctx(), actor(), slug, category, body),
            )
        if not errors:
            return redirect(url_for("admin.partners_page", site=slug, saved=data["code"]))
        values = {**values, **data}
    return page(
        "admin/category_form.html",
        slug,
        choices,
        category=category,
        values=values,
        errors=errors,
        languages=LANGUAGES,
    )
