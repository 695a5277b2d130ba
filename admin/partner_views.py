"""Partners (installation-wide: admins change them, managers read them) and the site's categories of
services, from the browser: server-rendered forms calling guichet.services.partners and .categories."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for

from guichet.core.errors import DomainError, Forbidden, NotFound
from guichet.core.roles import ADMIN, MANAGERS
from guichet.services import categories, partners, sites
from guichet.web.auth import SLUG, actor, ctx, requires, sign_in_first
from guichet.web.csrf import csrf_token
from guichet.web.forms import domain_errors, read_form, submit
from guichet.web.i18n import LANGUAGES

from .views import bp

PARTNER_FORM = {"code": "text", "name": "text"}
CATEGORY_FORM = {"code": "text", "label": "text", "labels": "labels", "sort": "int"}


def _site() -> tuple[str, list[tuple[str, str]]]:
    """The site the page shows (a manager's own; an admin picks with ?site=) and the choices.

    A copy of setup_views._site, which is private to that module.
    """
    choices = sites.managed_sites(ctx(), actor())
    if not choices:
        abort(404)
    asked = request.args.get("site", "")
    slugs = [slug for slug, _name in choices]
    return (asked if SLUG.match(asked) and asked in slugs else slugs[0]), choices


def _page(template: str, slug: str, choices: list[tuple[str, str]], **values: Any) -> Any:
    html = render_template(
        template, site=slug, sites=choices, csrf=csrf_token(), staff_role=actor().role, **values
    )
    return html, 422 if values.get("errors") else 200


def _listing(slug: str, choices: list[tuple[str, str]], errors: dict[str, str] | None = None) -> Any:
    return _page(
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
    slug, choices = _site()
    if request.method == "POST":
        action, code = request.form.get("action", ""), request.form.get("code", "")[:64]
        if action not in ("delete-partner", "delete-category") or not code:
            abort(400)
        try:
            if action == "delete-partner":
                partners.delete_partner(ctx(), actor(), code)
            else:
                categories.delete_category(ctx(), actor(), slug, code)
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:  # in use: said above the lists, nothing deleted
            return _listing(slug, choices, {"form": domain_errors(exc).get("form", exc.code)})
        return redirect(url_for("admin.partners_page", site=slug, deleted=code))
    return _listing(slug, choices)


@bp.route("/admin/partners/new", methods=["GET", "POST"])
@bp.route("/admin/partners/<partner_code>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def partner_form(partner_code: str | None = None) -> Any:
    slug, choices = _site()
    partners.require_admin(actor())  # installation-wide: managers read the list only
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
    return _page(
        "admin/partner_form.html", slug, choices, partner_code=partner_code, values=values, errors=errors
    )


@bp.route("/admin/categories/new", methods=["GET", "POST"])
@bp.route("/admin/categories/<category>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def category_form(category: str | None = None) -> Any:
    slug, choices = _site()
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
    return _page(
        "admin/category_form.html",
        slug,
        choices,
        category=category,
        values=values,
        errors=errors,
        languages=LANGUAGES,
    )
