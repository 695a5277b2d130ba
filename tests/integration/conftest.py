"""Integration tests share one guard: whatever a test sends, the app never answers 500."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_server_error(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    statuses: list[int] = []

    @app.after_request
    def record(response):  # type: ignore[no-untyped-def]
        statuses.append(response.status_code)
        return response

    yield
    assert 500 not in statuses, f"a request answered 500: {statuses}"
