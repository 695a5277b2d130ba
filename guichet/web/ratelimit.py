"""Rate limits on public endpoints (slot search, booking): fixed windows per client address.

In one process the counters live in memory; with GUICHET_REDIS_URL set they live in Redis (INCR with
an expiry), so several server processes share them. A limit reached is answered 429 with Retry-After.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request

F = TypeVar("F", bound=Callable[..., Any])

# bucket: (requests, window in seconds)
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "slots": (60, 60),
    "booking": (10, 60),
    "hold": (20, 60),
    "public_appointment": (30, 60),
    "web_request": (5, 600),  # the online request form: five requests in ten minutes per address
}


def parse_limits(text: str) -> dict[str, tuple[int, int]]:
    """ "booking=10/60,slots=60/60" -> {"booking": (10, 60), "slots": (60, 60)}; unknown buckets refused."""
    out: dict[str, tuple[int, int]] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, _, rate = part.partition("=")
        count, _, window = rate.partition("/")
        if name not in DEFAULT_LIMITS or not count.isdigit() or not window.isdigit() or int(window) < 1:
            raise ValueError(f"GUICHET_RATE_LIMITS: cannot read {part!r} (expected e.g. booking=10/60)")
        out[name] = (int(count), int(window))
    return out


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class Limiter:
    def __init__(
        self, redis_url: str | None = None, limits: dict[str, tuple[int, int]] | None = None
    ) -> None:
        self.limits = dict(DEFAULT_LIMITS, **(limits or {}))
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, int], int] = {}
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=0.5)

    def hit(self, bucket: str, key: str, now: float | None = None) -> None:
        """Count one request; raise RateLimited when the window's allowance is spent."""
        limit, window = self.limits[bucket]
        now = time.time() if now is None else now
        slot = int(now // window)
        retry = int((slot + 1) * window - now) + 1
        if self._redis is not None:
            try:
                name = f"guichet:rl:{bucket}:{key}:{slot}"
                pipe = self._redis.pipeline()
                pipe.incr(name)
                pipe.expire(name, window + 1)
                count = int(pipe.execute()[0])
            except Exception:  # a broken Redis must not close public booking: count locally
                count = self._local(bucket, key, slot)
        else:
            count = self._local(bucket, key, slot)
        if count > limit:
            raise RateLimited(retry)

    def _local(self, bucket: str, key: str, slot: int) -> int:
        with self._lock:
            if len(self._counts) > 50_000:  # forget old windows
                self._counts = {k: v for k, v in self._counts.items() if k[2] >= slot}
            k = (bucket, key, slot)
            self._counts[k] = self._counts.get(k, 0) + 1
            return self._counts[k]


def client_key() -> str:
    # Behind a reverse proxy, GUICHET_PROXY_HOPS makes this the citizen's address (ProxyFix), not nginx's.
    return request.remote_addr or "unknown"


def limited(bucket: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            limiter: Limiter | None = current_app.extensions.get("guichet_limiter")
            if limiter is not None:
                limiter.hit(bucket, client_key())
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
