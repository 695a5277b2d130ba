"""Two sites on one installation: nobody tied to one site (manager, agent, expert, kiosk, display)
can read or change the other through any route. Routes are enumerated from the URL map."""

from __future__ import annotations

import re

import pytest

from ..factories import build_world

IGNORED = {"HEAD", "OPTIONS"}
# Valid bodies, so that a refusal comes from the site check and not from validation.
BODIES = {
    "/api/v1/sites/<slug>/requests": {"channel": "phone", "services": ["CAF"], "summary": "Appel"},
    "/api/v1/sites/<slug>/tickets": {"service": "CAF"},
    "/api/v1/sites/<slug>/services": {"code": "NEW", "prefix": "N", "label": "Nouveau"},
    "/api/v1/sites/<slug>/counters": {"number": 9, "name": "Guichet 9"},
    "/api/v1/sites/<slug>/users": {"username": "intruder", "display_name": "Intrus"},
    "/api/v1/sites/<slug>/devices": {"kind": "kiosk", "name": "Intruse"},
    "/api/v1/sites/<slug>/display-message": {"message": "Piraté"},
    "/api/v1/counters/<int:counter_id>/status": {"status": "open"},
    "/api/v1/counters/<int:counter_id>/walk-in": {"service": "CAF"},
    "/api/v1/counters/<int:counter_id>/services": {"services": [{"code": "CAF"}]},
    "/api/v1/users/<int:user_id>/services": {"services": ["CAF"]},
    "/api/v1/sites/<slug>/hours": {"weekly": []},
    "/api/v1/sites/<slug>/services/<code>/hours": {"weekly": []},
    "/api/v1/sites/<slug>/closures": {"day": "2099-04-01"},
    "/api/v1/sites/<slug>/categories": {"code": "sante", "label": "Santé"},
    "/api/v1/devices/<int:device_id>": {"name": "Borne renommée"},
    "/api/v1/sites/<slug>/places": {"name": "Intruse"},
    "/api/v1/sites/<slug>/places/<int:place_id>/closures": {
        "first_day": "2099-01-01",
        "last_day": "2099-01-01",
    },
    "/api/v1/sites/<slug>/motifs": {"code": "NEW", "label": "Nouveau", "service": "CAF", "duration_min": 30},
    "/api/v1/sites/<slug>/experts/<int:user_id>/ranges": {
        "place_id": 1,
        "weekday": 0,
        "start_time": "09:00",
        "end_time": "12:00",
        "valid_from": "2027-01-01",
    },
    "/api/v1/sites/<slug>/ranges/<int:range_id>": {"end_time": "13:00"},
    "/api/v1/sites/<slug>/experts/<int:user_id>/absences": {
        "starts_at": "2027-04-01T09:00",
        "ends_at": "2027-04-01T12:00",
    },
    "/kiosk/<slug>/tickets": {"service": "CAF"},
    "/kiosk/<slug>/checkin": {"code": "ABCDEF"},
}


def _site_routes(app):  # type: ignore[no-untyped-def]
    """Non-public routes naming a site, a counter or an account, with the first site's values."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "public", False) or rule.endpoint.endswith("static"):
            continue
        if rule.rule.startswith("/admin/"):
            continue  # the admin pages take the site from ?site=: the next test covers them
        if not re.search(r"<(slug|int:counter_id|int:user_id|int:number|int:device_id)>", rule.rule):
            continue
        for method in sorted(rule.methods - IGNORED):
            yield rule, method


def _url(rule, world) -> str:  # type: ignore[no-untyped-def]
    values = {
        "slug": world.slug,
        "counter_id": str(world.counters[1]),
        "user_id": str(world.user_ids["agent"]),
        "number": "1",
        "device_id": str(world.actors["kiosk"].id),
        "code": "CAF",
    }
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), rule.rule)


@pytest.mark.parametrize("who", ["manager", "agent", "expert", "kiosk", "display"])
def test_no_one_of_another_site_reads_or_changes_this_one(app, client, ctx, world, who) -> None:
    other = build_world(ctx, "other")
    checked = []
    for rule, method in _site_routes(app):
        url = _url(rule, world)
        body = BODIES.get(rule.rule, {}) if method != "GET" else None
        response = client.open(url, method=method, json=body, headers=other.auth(who))
        assert response.status_code in (403, 404), (
            f"{who} of another site: {method} {url} gave {response.status_code}"
        )
        checked.append(url)
    assert len(checked) >= 20


def test_a_manager_of_another_site_sees_only_their_own_on_the_admin_pages(client, ctx, world) -> None:
    other = build_world(ctx, "other")
    for path in ("/admin/services", "/admin/counters", "/admin/accounts", "/admin/audit"):
        page = client.get(f"{path}?site=test", headers=other.auth("manager"))
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "agent-test" not in html and "?site=other" in html, path
    agent = world.user_ids["agent"]
    assert client.get(f"/admin/accounts/{agent}?site=test", headers=other.auth("manager")).status_code == 404
    assert client.post(
        f"/admin/accounts/{agent}?site=test", data={"display_name": "x"}, headers=other.auth("manager")
    ).status_code in (403, 404)
