"""Every route of the app is either explicitly public or refuses anonymous and wrong-role callers.

Routes are enumerated from the app's URL map, never listed by hand, so a new route is checked too.
"""

from __future__ import annotations

import re

import pytest

PUBLIC_METHODS_IGNORED = {"HEAD", "OPTIONS"}
SAMPLE_VALUES = {"int": "1", "default": "test", "string": "test", "path": "x"}


def _sample_url(rule) -> str:  # type: ignore[no-untyped-def]
    def repl(match: re.Match[str]) -> str:
        converter = match.group(1) or "default"
        return SAMPLE_VALUES.get(converter.rstrip(":"), "test")

    return re.sub(r"<(?:(\w+):)?\w+>", repl, rule.rule)


def _routes(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - PUBLIC_METHODS_IGNORED):
            yield rule, method, view


def test_every_route_is_public_by_decision_or_protected(app) -> None:
    undecided = [
        r.rule
        for r, _m, view in _routes(app)
        if not getattr(view, "public", False)
        and not getattr(view, "roles", None)
        and not r.endpoint.endswith("static")
    ]
    assert undecided == [], f"routes neither marked @public nor @requires(...): {undecided}"


def test_every_non_public_route_answers_401_to_anonymous_callers(app, client, world) -> None:
    checked = 0
    for rule, method, view in _routes(app):
        if getattr(view, "public", False) or rule.endpoint.endswith("static"):
            continue
        response = client.open(_sample_url(rule), method=method, json={})
        assert response.status_code == 401, f"{method} {rule.rule} gave {response.status_code}"
        if rule.rule.startswith("/api/"):
            assert response.is_json and response.json["error"] == "unauthenticated"
        else:  # a browser page: the French explanation, not JSON
            assert "Accès réservé" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 4


def test_invalid_bearer_token_is_refused_like_no_token(app, client, world) -> None:
    for rule, method, view in _routes(app):
        if getattr(view, "public", False) or rule.endpoint.endswith("static"):
            continue
        response = client.open(
            _sample_url(rule), method=method, json={}, headers={"Authorization": "Bearer gch_forged"}
        )
        assert response.status_code == 401, f"{method} {rule.rule}"


@pytest.mark.parametrize("device", ["display"])
def test_device_tokens_get_403_on_every_route_outside_their_role(app, client, world, device) -> None:
    checked = 0
    for rule, method, view in _routes(app):
        roles = getattr(view, "roles", None)
        if not roles or device in roles:
            continue
        response = client.open(_sample_url(rule), method=method, json={}, headers=world.auth(device))
        assert response.status_code == 403, f"{method} {rule.rule} gave {response.status_code}"
        checked += 1
    assert checked >= 4


def test_public_routes_answer_without_credentials(app, client, world) -> None:
    for rule, method, view in _routes(app):
        if not getattr(view, "public", False):
            continue
        response = client.open(_sample_url(rule), method=method)
        # Never "log in first" nor a crash; a POST without its form token may still be refused (403).
        assert response.status_code not in (401, 500), f"{method} {rule.rule} gave {response.status_code}"
