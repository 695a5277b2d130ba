"""Rate limits on public booking endpoints: 429 with Retry-After and a French message, per address,
in memory and shared through Redis between two apps (two server processes in production)."""

from __future__ import annotations

import uuid

import pytest

from guichet.app import create_app
from guichet.web.ratelimit import Limiter, RateLimited, parse_limits

from ..conftest import REDIS_URL, make_settings, need


def test_the_slot_search_answers_429_once_the_allowance_is_spent(tmp_path) -> None:
    app = create_app(make_settings(f"sqlite:///{tmp_path}/rl.db", rate_limits="slots=3/60"))
    from guichet.models import Base

    Base.metadata.create_all(app.extensions["guichet"].db.engine)
    client = app.test_client()
    codes = [client.get("/api/v1/sites/nope/slots?motif=X").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    r = client.get("/api/v1/sites/nope/slots?motif=X")
    assert r.status_code == 429 and r.json["error"] == "too_many_requests"
    assert r.json["message"].startswith("Trop de demandes") and 1 <= int(r.headers["Retry-After"]) <= 61
    # Another address has its own allowance; other endpoints their own bucket.
    assert (
        client.get("/api/v1/sites/nope/slots?motif=X", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code
        == 404
    )
    assert client.get("/api/v1/sites/nope/motifs").status_code == 404


def test_windows_reset_and_unknown_limits_are_refused() -> None:
    limiter = Limiter(limits={"booking": (2, 60)})
    limiter.hit("booking", "a", now=0)
    limiter.hit("booking", "a", now=1)
    with pytest.raises(RateLimited) as exc:
        limiter.hit("booking", "a", now=2)
    assert exc.value.retry_after == 59
    limiter.hit("booking", "a", now=61)  # a new window
    assert parse_limits("booking=5/30, slots=100/60") == {"booking": (5, 30), "slots": (100, 60)}
    for bad in ("booking=5", "nope=1/60", "slots=x/60", "slots=1/0"):
        with pytest.raises(ValueError):
            parse_limits(bad)


def test_two_processes_share_their_counts_through_redis() -> None:
    need("redis")
    url = REDIS_URL
    bucket_key = f"test-{uuid.uuid4().hex}"
    first = Limiter(url, {"booking": (3, 60)})
    second = Limiter(url, {"booking": (3, 60)})
    first.hit("booking", bucket_key)
    second.hit("booking", bucket_key)
    first.hit("booking", bucket_key)
    with pytest.raises(RateLimited):
        second.hit("booking", bucket_key)


def test_behind_a_proxy_limits_count_per_forwarded_address_and_are_not_spoofable_directly(tmp_path) -> None:
    from guichet.models import Base

    def client_for(**overrides):  # type: ignore[no-untyped-def]
        app = create_app(
            make_settings(f"sqlite:///{tmp_path}/p{len(overrides)}.db", rate_limits="slots=2/60", **overrides)
        )
        Base.metadata.create_all(app.extensions["guichet"].db.engine)
        return app.test_client()

    def codes(client, forwarded: str) -> list[int]:  # type: ignore[no-untyped-def]
        return [
            client.get("/api/v1/sites/nope/slots?motif=X", headers={"X-Forwarded-For": forwarded}).status_code
            for _ in range(3)
        ]

    behind = client_for(proxy_hops=1)
    assert codes(behind, "203.0.113.1") == [404, 404, 429]
    assert codes(behind, "203.0.113.2") == [404, 404, 429]  # another citizen, another allowance
    direct = client_for()
    assert codes(direct, "203.0.113.1") == [404, 404, 429]
    assert codes(direct, "203.0.113.9") == [429, 429, 429]  # a forged header changes nothing


def test_a_rate_limited_booking_page_answers_429_with_a_french_page_not_500(tmp_path) -> None:
    app = create_app(make_settings(f"sqlite:///{tmp_path}/rl.db", rate_limits="slots=2/60"))
    from guichet.models import Base

    Base.metadata.create_all(app.extensions["guichet"].db.engine)
    client = app.test_client()
    html = {"Accept": "text/html"}
    codes = [client.get("/rdv/nope", headers=html).status_code for _ in range(3)]
    assert codes[-1] == 429, codes
    r = client.get("/rdv/nope", headers=html)
    assert r.status_code == 429 and r.mimetype == "text/html"
    assert "Trop de demandes" in r.get_data(as_text=True) and 1 <= int(r.headers["Retry-After"]) <= 61
