"""Partners (one list for the installation: admins change it, managers read it) and each site's
categories of services (the kiosk's groups, labelled in its languages, in their order): REST API,
pages, the rule that a service names a known category, the migration that seeds existing ones."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, select, text

from guichet.migrate import upgrade
from guichet.models import AuditEntry, Category, Partner, Service
from guichet.services import demo

from ..factories import build_world
from .test_staff_pages import sign_in

PAPIERS = {
    "code": "papiers",
    "label": "Papiers d'identité",
    "labels": {"en": "Identity papers", "ar": "وثائق الهوية"},
    "sort": 1,
}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _audit(ctx, prefix: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.kind.startswith(prefix)).order_by(AuditEntry.id))
        return [{"kind": e.kind, "site": e.site_id, "before": e.before, "after": e.after} for e in rows]


def _partners(ctx) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return {p.code: p.name for p in s.scalars(select(Partner))}


def _categories(ctx, site_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return list(
            s.scalars(select(Category.code).where(Category.site_id == site_id).order_by(Category.sort))
        )


# --- partners ---------------------------------------------------------------------------------------


def test_an_admin_creates_renames_and_deletes_a_partner_audited_without_a_site(client, ctx, world) -> None:
    admin = world.auth("admin")
    made = client.post("/api/v1/partners", json={"code": "CAF", "name": "Caf"}, headers=admin)
    assert made.status_code == 201 and made.get_json() == {"code": "CAF", "name": "Caf", "services": 0}
    # A service names it; recoding the partner keeps the link (services point at the row).
    assert (
        client.patch(
            "/api/v1/sites/test/services/CAF", json={"partner": "CAF"}, headers=world.auth("manager")
        )
    ).status_code == 200
    renamed = client.patch(
        "/api/v1/partners/CAF",
        json={"code": "CNAF", "name": "Caisse d'allocations familiales"},
        headers=admin,
    )
    assert renamed.status_code == 200
    assert renamed.get_json() == {"code": "CNAF", "name": "Caisse d'allocations familiales", "services": 1}
    services = client.get("/api/v1/sites/test/services", headers=world.auth("kiosk")).get_json()["services"]
    assert {sv["code"]: sv["partner"] for sv in services}["CAF"] == "CNAF"
    in_use = client.delete("/api/v1/partners/CNAF", headers=admin)
    assert in_use.status_code == 409 and in_use.get_json()["error"] == "partner_in_use"
    assert "CNAF" in _partners(ctx)
    client.patch("/api/v1/sites/test/services/CAF", json={"partner": None}, headers=world.auth("manager"))
    assert client.delete("/api/v1/partners/CNAF", headers=admin).status_code == 204
    assert client.delete("/api/v1/partners/CNAF", headers=admin).status_code == 404
    log = _audit(ctx, "partner.")
    assert [e["kind"] for e in log] == ["partner.created", "partner.updated", "partner.deleted"]
    assert {e["site"] for e in log} == {None}
    assert log[1]["before"]["code"] == "CAF" and log[1]["after"]["code"] == "CNAF"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"code": "ANTS", "name": "Autre"}, 409, "partner_code_taken"),
        ({"code": "a b", "name": "Espace"}, 422, "validation"),
        ({"code": "MSA"}, 422, "validation"),
        ({"code": "MSA", "name": ""}, 422, "validation"),
        ({"code": "MSA", "name": "MSA", "colour": "red"}, 422, "validation"),
    ],
)
def test_a_bad_partner_is_refused_with_a_code_and_nothing_is_saved(
    client, ctx, world, body, status, code
) -> None:
    made = client.post("/api/v1/partners", json={"code": "ANTS", "name": "ANTS"}, headers=world.auth("admin"))
    assert made.status_code == 201
    before = _partners(ctx)
    response = client.post("/api/v1/partners", json=body, headers=world.auth("admin"))
    assert response.status_code == status and response.get_json()["error"] == code
    assert _partners(ctx) == before and len(_audit(ctx, "partner.")) == 1


def test_managers_read_the_partners_but_only_admins_change_them(client, ctx, world) -> None:
    client.post(
        "/api/v1/partners", json={"code": "ANTS", "name": "France Titres"}, headers=world.auth("admin")
    )
    other = build_world(ctx, "other")
    assert client.get("/api/v1/partners").status_code == 401
    for who in ("agent", "expert", "kiosk", "display"):
        assert client.get("/api/v1/partners", headers=world.auth(who)).status_code == 403, who
    for manager in (world.auth("manager"), other.auth("manager")):
        listing = client.get("/api/v1/partners", headers=manager)
        assert listing.status_code == 200
        assert listing.get_json() == {"partners": [{"code": "ANTS", "name": "France Titres", "services": 0}]}
    for method, path, body in (
        ("post", "/api/v1/partners", {"code": "MSA", "name": "MSA"}),
        ("patch", "/api/v1/partners/ANTS", {"name": "Renommé"}),
        ("delete", "/api/v1/partners/ANTS", None),
    ):
        kwargs = {"json": body} if body is not None else {}
        call = getattr(client, method)
        assert call(path, **kwargs).status_code == 401
        for who in ("agent", "kiosk", "display"):
            assert call(path, headers=world.auth(who), **kwargs).status_code == 403
        refused = call(path, headers=world.auth("manager"), **kwargs)
        assert refused.status_code == 403 and refused.get_json()["error"] == "role"
    assert _partners(ctx) == {"ANTS": "France Titres"} and len(_audit(ctx, "partner.")) == 1


# --- categories -------------------------------------------------------------------------------------


def test_a_service_names_one_of_its_sites_categories_or_none(client, ctx, world) -> None:
    manager = world.auth("manager")
    unknown = client.patch("/api/v1/sites/test/services/CAF", json={"category": "papiers"}, headers=manager)
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "category_not_found"
    other = build_world(ctx, "other")
    # Another site's category is not this site's.
    assert (
        client.post("/api/v1/sites/other/categories", json=PAPIERS, headers=other.auth("manager")).status_code
        == 201
    )
    again = client.patch("/api/v1/sites/test/services/CAF", json={"category": "papiers"}, headers=manager)
    assert again.status_code == 404 and again.get_json()["error"] == "category_not_found"
    with ctx.db.session() as s:
        assert s.get(Service, world.services["CAF"]).category == ""
    made = client.post("/api/v1/sites/test/categories", json=PAPIERS, headers=manager)
    assert made.status_code == 201 and made.get_json() == PAPIERS
    named = client.patch("/api/v1/sites/test/services/CAF", json={"category": "papiers"}, headers=manager)
    assert named.status_code == 200 and named.get_json()["category"] == "papiers"
    none = client.patch("/api/v1/sites/test/services/CAF", json={"category": ""}, headers=manager)
    assert none.status_code == 200 and none.get_json()["category"] == ""


def test_the_kiosk_shows_categories_in_their_order_and_in_its_language(client, ctx, world) -> None:
    manager = world.auth("manager")
    family = {"code": "famille", "label": "Famille, logement", "labels": {"en": "Family, housing"}, "sort": 1}
    client.post("/api/v1/sites/test/categories", json=family, headers=manager)
    client.post("/api/v1/sites/test/categories", json={**PAPIERS, "sort": 2}, headers=manager)
    client.patch("/api/v1/sites/test/services/CAF", json={"category": "famille"}, headers=manager)
    client.patch("/api/v1/sites/test/services/ANTS", json={"category": "papiers"}, headers=manager)
    kiosk = {**world.auth("kiosk"), "Accept": "text/html"}

    def tiles(lang: str) -> list[str]:
        html = client.get(f"/kiosk/test?lang={lang}", headers=kiosk).get_data(as_text=True)
        return re.findall(r'data-go="category-([\w-]+)"', html), html

    order, html = tiles("fr")
    # CPAM has no category: it goes under "Autres", after the site's categories.
    assert order == ["famille", "papiers", "autres"] and "Famille, logement" in html
    order, html = tiles("en")
    assert "Family, housing" in html and "Identity papers" in html
    _, html = tiles("es")  # no Spanish label: the French one
    assert "Papiers d&#39;identité" in html or "Papiers d'identité" in html
    client.patch("/api/v1/sites/test/categories/papiers", json={"sort": 0}, headers=manager)
    assert tiles("fr")[0] == ["papiers", "famille", "autres"]


def test_a_category_is_recoded_with_its_services_and_deleted_only_when_empty(
    client, ctx, world, published
) -> None:
    manager = world.auth("manager")
    client.post("/api/v1/sites/test/categories", json=PAPIERS, headers=manager)
    client.patch("/api/v1/sites/test/services/ANTS", json={"category": "papiers"}, headers=manager)
    recoded = client.patch(
        "/api/v1/sites/test/categories/papiers",
        json={"code": "titres", "labels": {"en": "Documents"}},
        headers=manager,
    )
    assert recoded.status_code == 200
    assert recoded.get_json() == {**PAPIERS, "code": "titres", "labels": {"en": "Documents"}}
    with ctx.db.session() as s:
        assert s.get(Service, world.services["ANTS"]).category == "titres"
    in_use = client.delete("/api/v1/sites/test/categories/titres", headers=manager)
    assert in_use.status_code == 409 and in_use.get_json()["error"] == "category_in_use"
    assert _categories(ctx, world.site_id) == ["titres"]
    client.patch("/api/v1/sites/test/services/ANTS", json={"category": ""}, headers=manager)
    assert client.delete("/api/v1/sites/test/categories/titres", headers=manager).status_code == 204
    assert client.delete("/api/v1/sites/test/categories/titres", headers=manager).status_code == 404
    assert _categories(ctx, world.site_id) == []
    kinds = [e["kind"] for e in _audit(ctx, "category.")]
    assert kinds == ["category.created", "category.updated", "category.deleted"]
    assert {e["site"] for e in _audit(ctx, "category.")} == {world.site_id}
    # Kiosks reload their offer after each change.
    assert sum(e.name == "settings_changed" and e.payload == {"part": "services"} for e in published) >= 3


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**PAPIERS, "code": "famille"}, 409, "category_code_taken"),
        ({**PAPIERS, "code": "pa piers"}, 422, "validation"),
        ({**PAPIERS, "label": ""}, 422, "validation"),
        ({**PAPIERS, "labels": {"de": "Ausweis"}}, 422, "validation"),
        ({**PAPIERS, "sort": -1}, 422, "validation"),
        ({k: v for k, v in PAPIERS.items() if k != "label"}, 422, "validation"),
    ],
)
def test_a_bad_category_is_refused_with_a_code_and_nothing_is_saved(
    client, ctx, world, body, status, code
) -> None:
    family = {"code": "famille", "label": "Famille"}
    assert (
        client.post("/api/v1/sites/test/categories", json=family, headers=world.auth("manager")).status_code
        == 201
    )
    response = client.post("/api/v1/sites/test/categories", json=body, headers=world.auth("manager"))
    assert response.status_code == status and response.get_json()["error"] == code
    assert _categories(ctx, world.site_id) == ["famille"] and len(_audit(ctx, "category.")) == 1


def test_a_recode_onto_a_taken_code_is_refused_and_nothing_moves(client, ctx, world) -> None:
    manager = world.auth("manager")
    client.post("/api/v1/sites/test/categories", json=PAPIERS, headers=manager)
    client.post(
        "/api/v1/sites/test/categories", json={"code": "famille", "label": "Famille"}, headers=manager
    )
    client.patch("/api/v1/sites/test/services/ANTS", json={"category": "papiers"}, headers=manager)
    clash = client.patch("/api/v1/sites/test/categories/papiers", json={"code": "famille"}, headers=manager)
    assert clash.status_code == 409 and clash.get_json()["error"] == "category_code_taken"
    with ctx.db.session() as s:
        assert s.get(Service, world.services["ANTS"]).category == "papiers"
    null = client.patch("/api/v1/sites/test/categories/papiers", json={"label": None}, headers=manager)
    assert null.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/sites/test/categories", None),
        ("post", "/api/v1/sites/test/categories", {"code": "sante", "label": "Santé"}),
        ("patch", "/api/v1/sites/test/categories/papiers", {"label": "Titres"}),
        ("delete", "/api/v1/sites/test/categories/papiers", None),
    ],
)
def test_only_the_sites_managers_and_admins_manage_its_categories(
    client, ctx, world, method, path, body
) -> None:
    client.post("/api/v1/sites/test/categories", json=PAPIERS, headers=world.auth("manager"))
    other = build_world(ctx, "other")
    call = getattr(client, method)
    kwargs = {"json": body} if body is not None else {}
    assert call(path, **kwargs).status_code == 401
    for who in ("agent", "expert", "kiosk", "display"):
        assert call(path, headers=world.auth(who), **kwargs).status_code == 403, who
    refused = call(path, headers=other.auth("manager"), **kwargs)
    assert refused.status_code == 403 and refused.get_json()["error"] == "other_site"
    assert _categories(ctx, world.site_id) == ["papiers"] and len(_audit(ctx, "category.")) == 1
    assert call(path, headers=other.auth("admin"), **kwargs).status_code in (200, 201, 204)


# --- seeds: the migration and the demo --------------------------------------------------------------


def test_the_migration_gives_each_site_the_categories_its_services_already_use(sqlite_url: str) -> None:
    upgrade(sqlite_url, "0005")
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        for slug in ("a", "b"):
            conn.execute(
                text(
                    "INSERT INTO sites (slug, name, timezone, address, settings) "
                    "VALUES (:slug, :slug, 'Europe/Paris', '', '{}')"
                ),
                {"slug": slug},
            )
        rows = [
            (1, "X1", "X", "mairie", 0),
            (1, "X2", "Y", "papiers", 1),
            (1, "X3", "Z", "mairie", 2),
            (1, "X4", "W", "", 3),
            (1, "X5", "V", "aide-numerique", 4),
            (2, "X1", "X", "sante", 0),
        ]
        for site, code, prefix, category, sort in rows:
            conn.execute(
                text(
                    "INSERT INTO services (site_id, code, label_fr, labels, prefix, level, category,"
                    " target_wait_min, sla_hours, active, sort) "
                    "VALUES (:site, :code, :code, '{}', :prefix, 1, :category, 15, 72, 1, :sort)"
                ),
                {"site": site, "code": code, "prefix": prefix, "category": category, "sort": sort},
            )
    upgrade(sqlite_url)
    with engine.connect() as conn:
        seeded = conn.execute(
            text("SELECT site_id, code, label_fr, labels, sort FROM categories ORDER BY site_id, sort")
        ).all()
    engine.dispose()
    assert [(r[0], r[1], r[4]) for r in seeded] == [
        (1, "mairie", 1),
        (1, "papiers", 2),
        (1, "aide-numerique", 3),
        (2, "sante", 1),
    ]
    labels = {(r[0], r[1]): (r[2], r[3]) for r in seeded}
    assert labels[(1, "mairie")][0] == "Mairie : état civil, élections, école"
    assert '"en": "Town hall: civil records, elections, school"' in labels[(1, "mairie")][1]
    assert labels[(1, "aide-numerique")] == ("Aide numerique", "{}")  # an unknown code: its own words


def test_the_demo_sites_services_all_name_a_known_category(ctx) -> None:
    demo.load_demo(ctx)
    demo.load_demo(ctx)  # again: nothing duplicated
    with ctx.db.session() as s:
        site_id = s.scalar(text("SELECT id FROM sites WHERE slug = 'demo'"))
        used = set(s.scalars(select(Service.category).where(Service.site_id == site_id)))
        codes = _categories(ctx, site_id)
        first = s.scalar(select(Category).where(Category.site_id == site_id, Category.code == "papiers"))
        assert first.labels["en"] == "Identity documents, driving licence, vehicle registration"
    assert used - {""} <= set(codes) and len(codes) == len(set(codes))
    assert codes[:2] == ["papiers", "famille"]  # the kiosk's order of before


# --- /admin/partners --------------------------------------------------------------------------------


def test_a_manager_reads_the_partners_page_but_cannot_open_the_partner_form(client, world) -> None:
    client.post(
        "/api/v1/partners", json={"code": "ANTS", "name": "France Titres"}, headers=world.auth("admin")
    )
    sign_in(client, "manager-test")
    page = client.get("/admin/partners")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "France Titres" in html
    assert "Ajouter un partenaire" not in html and "Ajouter une catégorie" in html
    assert client.get("/admin/partners/new").status_code == 403
    assert client.get("/admin/partners/ANTS").status_code == 403


def test_an_agent_cannot_open_the_partners_pages(client, world) -> None:
    sign_in(client, "agent-test")
    for path in ("/admin/partners", "/admin/categories/new"):
        assert client.get(path).status_code == 403, path


def test_an_admin_adds_a_partner_from_the_page_with_errors_next_to_fields(client, ctx, world) -> None:
    sign_in(client, "admin-test")
    csrf = _csrf(client.get("/admin/partners/new").get_data(as_text=True))
    refused = client.post("/admin/partners/new", data={"csrf": csrf, "code": "a b", "name": "Caf"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="code-error"' in html and 'value="Caf"' in html
    assert _partners(ctx) == {}
    saved = client.post("/admin/partners/new", data={"csrf": csrf, "code": "CAF", "name": "Caf"})
    assert saved.status_code == 302
    edited = client.post("/admin/partners/CAF", data={"csrf": csrf, "code": "CAF", "name": "Caisse"})
    assert edited.status_code == 302 and _partners(ctx) == {"CAF": "Caisse"}
    taken = client.post("/admin/partners/new", data={"csrf": csrf, "code": "CAF", "name": "Autre"})
    assert taken.status_code == 422 and "déjà celui d&#39;un autre partenaire" in taken.get_data(as_text=True)


def test_a_manager_adds_edits_and_deletes_a_category_from_the_page(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/categories/new").get_data(as_text=True))
    form = {
        "csrf": csrf,
        "code": "papiers",
        "label": "Papiers",
        "labels.en": "Papers",
        "labels.ar": "",
        "sort": "",
    }
    refused = client.post("/admin/categories/new", data={**form, "label": ""})
    assert refused.status_code == 422 and 'id="label-error"' in refused.get_data(as_text=True)
    assert _categories(ctx, world.site_id) == []
    assert client.post("/admin/categories/new", data=form).status_code == 302
    listing = client.get("/admin/partners").get_data(as_text=True)
    assert "Papiers" in listing and '<span lang="en">Papers</span>' in listing
    edited = client.post("/admin/categories/papiers", data={**form, "label": "Titres", "sort": "4"})
    assert edited.status_code == 302
    with ctx.db.session() as s:
        row = s.scalar(select(Category).where(Category.code == "papiers"))
        assert (row.label_fr, row.labels, row.sort) == ("Titres", {"en": "Papers"}, 4)
    client.patch(
        "/api/v1/sites/test/services/ANTS", json={"category": "papiers"}, headers=world.auth("manager")
    )
    in_use = client.post(
        "/admin/partners", data={"csrf": csrf, "action": "delete-category", "code": "papiers"}
    )
    assert in_use.status_code == 422 and "regroupe 1 service :" in in_use.get_data(as_text=True)
    assert _categories(ctx, world.site_id) == ["papiers"]
    client.patch("/api/v1/sites/test/services/ANTS", json={"category": ""}, headers=world.auth("manager"))
    gone = client.post("/admin/partners", data={"csrf": csrf, "action": "delete-category", "code": "papiers"})
    assert gone.status_code == 302 and _categories(ctx, world.site_id) == []
