"""Application factory: the only place that knows every package."""

from __future__ import annotations

import logging
from functools import partial

from flask import Flask, g
from flask_babel import Babel, get_locale
from flask_socketio import SocketIO

from .concurrency import gevent_patched
from .db import Database
from .realtime import COUNTER_NAMESPACE, DISPLAY_NAMESPACE, KIOSK_NAMESPACE, TRACK_NAMESPACE, Hub
from .services import display as display_service
from .services.context import Context
from .settings import Settings, load_settings
from .web.i18n import RTL, request_locale


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Request lines carry tracking tokens (bearer secrets of a ticket's status): keep them out of logs.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # The shared web toolkit's templates (base layouts, errors) and static files (toolkit, vendored).
    app = Flask(__name__, static_folder="web/static", template_folder="web/templates")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
    )
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    Babel(app, locale_selector=request_locale)

    db = Database(settings.database_url, pool_size=settings.db_pool_size, echo=settings.sql_echo)
    # One Socket.IO server per app (Flask-SocketIO keeps options such as the message queue
    # on its object, so a shared module-level instance would leak them between apps).
    socketio = SocketIO()
    socketio.init_app(
        app,
        # gevent when guichet.entry patched the process for `guichet serve`; tests and the other
        # commands run unpatched, with threads.
        async_mode="gevent" if gevent_patched() else "threading",
        message_queue=settings.redis_url,
        channel=settings.redis_channel,
        cors_allowed_origins=[settings.public_url],
    )
    hub = Hub(socketio)
    ctx = Context(db=db, settings=settings, publish=hub.publish)
    hub.queue_figures = partial(display_service.queue_figures, ctx)
    app.extensions["guichet"] = ctx
    app.extensions["guichet_hub"] = hub

    import admin
    import api
    import counters
    import display
    import kiosk
    import reporting
    import scheduler
    import tracking
    import webform
    from printer import Spooler

    from .web.account_pages import bp as account_bp
    from .web.dates import register_date_filters
    from .web.errors import register_error_handlers
    from .web.pages import bp as pages_bp
    from .web.ratelimit import Limiter, parse_limits

    # Each feature package brings its pages and endpoints (a blueprint) and its Socket.IO namespace.
    for blueprint in (
        api.bp,
        pages_bp,
        account_bp,
        kiosk.bp,
        display.bp,
        counters.bp,
        admin.bp,
        scheduler.bp,
        tracking.bp,
        reporting.bp,
        webform.bp,
    ):
        app.register_blueprint(blueprint)
    socketio.on_namespace(tracking.TrackNamespace(TRACK_NAMESPACE))
    socketio.on_namespace(display.DisplayNamespace(DISPLAY_NAMESPACE))
    socketio.on_namespace(counters.CounterNamespace(COUNTER_NAMESPACE))
    socketio.on_namespace(kiosk.KioskNamespace(KIOSK_NAMESPACE))

    app.extensions["guichet_spooler"] = Spooler()
    # Per-address limits on public booking endpoints (shared through Redis when configured).
    app.extensions["guichet_limiter"] = Limiter(settings.redis_url, parse_limits(settings.rate_limits))
    register_error_handlers(app)
    register_date_filters(app)

    @app.before_request
    def one_connection_per_request() -> None:
        g.db_scope = db.open_scope()

    @app.teardown_request
    def give_the_connection_back(_exc: BaseException | None) -> None:
        token = g.pop("db_scope", None)
        if token is not None:
            db.close_scope(token)

    @app.context_processor
    def page_language() -> dict[str, object]:
        # Every page declares its language and direction (Arabic is right to left).
        lang = str(get_locale() or "fr")
        return {"page_lang": lang, "page_rtl": lang in RTL}

    return app
