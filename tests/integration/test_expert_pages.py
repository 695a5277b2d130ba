"""The level-2 expert page (/expert) and the managers' staff page (/admin/staff): who may open them,
where anonymous browsers are sent, and what the pages hand to their scripts (data, texts, CSRF token)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ..factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def sign_in(client, username: str) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    response = client.post(
        "/login", data={"csrf": csrf.group(1), "username": username, "password": PASSWORD, "next": ""}
    )
    assert response.status_code == 303, response.status_code


def json_block(page: str, block_id: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', page, re.S)
    assert match, f"no #{block_id} block"
    return json.loads(match.group(1))


@pytest.mark.parametrize("path", ["/expert", "/admin/staff"])
def test_an_anonymous_browser_is_sent_to_sign_in_and_comes_back(client, world, path) -> None:
    response = client.get(path, headers=HTML)
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == f"/login?next={path}"
    login = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'name="next" value="{path}"' in login


def test_the_sign_in_form_returns_to_the_expert_page(client, world) -> None:
    form = client.get("/login?next=/expert").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    response = client.post(
        "/login",
        data={"csrf": csrf.group(1), "username": "expert-test", "password": PASSWORD, "next": "/expert"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/expert"
    assert client.get("/expert", headers=HTML).status_code == 200


@pytest.mark.parametrize("path", ["/expert", "/admin/staff"])
def test_anonymous_scripts_get_a_401_not_a_redirect(client, world, path) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Accept": "application/json"}).status_code == 401


@pytest.mark.parametrize(
    ("role", "expert_page", "staff_page"),
    [
        ("agent", 403, 403),
        ("expert", 200, 403),
        ("manager", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_roles_of_the_expert_and_staff_pages(app, world, role, expert_page, staff_page) -> None:
    client = app.test_client()
    sign_in(client, f"{role}-test")
    assert client.get("/expert", headers=HTML).status_code == expert_page
    assert client.get("/admin/staff", headers=HTML).status_code == staff_page


@pytest.mark.parametrize("role", ["agent", "expert", "manager"])
def test_bearer_tokens_follow_the_same_roles(client, world, role) -> None:
    expected = {"agent": (403, 403), "expert": (200, 403), "manager": (200, 200)}[role]
    got = (
        client.get("/expert", headers=world.auth(role)).status_code,
        client.get("/admin/staff", headers=world.auth(role)).status_code,
    )
    assert got == expected


def test_the_expert_page_gives_its_script_the_sessions_csrf_token_and_its_role(client, world) -> None:
    sign_in(client, "expert-test")
    page = client.get("/expert", headers=HTML).get_data(as_text=True)
    data = json_block(page, "page-data")
    with client.session_transaction() as session:
        assert data["csrf"] == session["csrf"]
    assert data["role"] == "expert" and data["manager"] is False and data["site"] is None
    assert "<h1>Mes dossiers de niveau 2</h1>" in page
    assert 'id="main"' in page and "<main" in page
    assert "/counters/static/expert.js" in page and "/static/vendor/socket.io.min.js" in page
    # The grouped answer form and the offline notice are on the page, in French.
    assert "Envoyer la réponse groupée et clore le dossier" in page
    assert "Hors ligne" in page


def test_managers_see_the_site_wide_title(client, world) -> None:
    sign_in(client, "manager-test")
    page = client.get("/expert", headers=HTML).get_data(as_text=True)
    assert "<h1>Dossiers de niveau 2 du site</h1>" in page
    assert json_block(page, "page-data")["manager"] is True


@pytest.mark.parametrize(
    ("who", "asked", "expected"),
    [
        ("admin", "test", "test"),  # an all-sites account names the site it looks at
        ("admin", "Not a slug!", None),
        ("manager", "other", None),  # a site's manager always sees their own site
    ],
)
def test_only_all_sites_accounts_choose_the_site(app, world, who, asked, expected) -> None:
    client = app.test_client()
    sign_in(client, f"{who}-test")
    for path in ("/expert", "/admin/staff"):
        page = client.get(path, query_string={"site": asked}, headers=HTML).get_data(as_text=True)
        assert json_block(page, "page-data")["site"] == expected, path


def test_the_staff_page_renders_for_managers(client, world) -> None:
    sign_in(client, "manager-test")
    page = client.get("/admin/staff", headers=HTML).get_data(as_text=True)
    assert "<h1>Services des guichets et des agents</h1>" in page
    assert "/admin/static/admin.js" in page
    assert json_block(page, "page-data")["csrf"]


@pytest.mark.parametrize(
    ("path", "script"), [("/expert", "counters/static/expert.js"), ("/admin/staff", "admin/static/admin.js")]
)
def test_every_text_the_script_writes_comes_translated_from_the_page(client, world, path, script) -> None:
    sign_in(client, "admin-test")
    page = client.get(path, query_string={"site": "test"}, headers=HTML).get_data(as_text=True)
    texts = json_block(page, "page-text")
    used = set(re.findall(r"\bT\.(\w+)", (ROOT / script).read_text(encoding="utf-8")))
    assert len(used) > 5, "the script uses no text?"
    missing = sorted(k for k in used if k not in texts)
    assert missing == [], f"{script} uses texts the page does not give: {missing}"
    assert all(isinstance(v, str) and v.strip() for v in texts.values())


@pytest.mark.parametrize(
    "path", ["/counters/static/expert.js", "/admin/static/admin.js", "/counters/static/expert.css"]
)
def test_the_pages_assets_are_served(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 200 and len(response.data) > 500


def test_an_expert_page_gives_the_private_calendar_feed_that_works(client, world) -> None:
    import re
    from urllib.parse import urlparse

    from .test_staff_pages import sign_in

    sign_in(client, "expert-test")
    page = client.get("/expert").get_data(as_text=True)
    url = re.search(r'id="feed-url"[^>]*value="([^"]+)"', page)
    assert url, "feed address missing"
    r = client.get(urlparse(url.group(1)).path)
    assert r.status_code == 200 and r.mimetype == "text/calendar"
