"""The OpenAPI document describes exactly the API routes the app serves, with the right methods."""

from __future__ import annotations

import re


def _app_operations(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    ops = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1") :])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            ops.add((path, method.lower()))
    return ops


def test_openapi_document_matches_the_routes_both_ways(app, client) -> None:
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == _app_operations(app)


def test_openapi_path_parameters_match_the_path_templates(client) -> None:
    doc = client.get("/api/v1/openapi.json").json
    for path, item in doc["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, f"{method} {path}"


def test_openapi_security_matches_route_protection(app, client) -> None:
    doc = client.get("/api/v1/openapi.json").json
    views = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1") :])
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                views[path, method.lower()] = app.view_functions[rule.endpoint]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            public = getattr(views[path, method], "public", False)
            assert (op["security"] == []) == public, f"{method} {path}"


def test_openapi_document_is_valid_openapi_3_1() -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    from api.openapi import document

    errors = [e.message for e in OpenAPIV31SpecValidator(document()).iter_errors()]
    assert errors == []
