"""Application factory: the only place that knows every package."""

from __future__ import annotations

import logging
from functools import partial

from flask import Flask, request
from flask_babel import Babel, get_locale
from flask_socketio import SocketIO

from .concurrency import gevent_patched
from .db import Database
from .ratelimit import Limiter, parse_limits
from .realtime import Hub
from .services import display as display_service
from .services.context import Context
from .settings import Settings, load_settings

LANGUAGES = ("fr", "en", "ar", "es", "pt")
RTL_LANGUAGES = {"ar"}


def _locale() -> str:
    """An explicit ?lang= first; kiosks are French unless the visitor picks a language."""
    if not request:
        return "fr"
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    if request.path.startswith(("/kiosk/", "/display/")):
        return "fr"  # public screens: French unless asked, whatever the browser's own language
    return request.accept_languages.best_match(LANGUAGES, default="fr")


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Request lines carry tracking tokens (bearer secrets of a ticket's status): keep them out of logs.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = Flask(__name__, instance_relative_config=False)
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
    Babel(app, locale_selector=_locale)

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

    from .counter_socket import register as register_counter
    from .display_socket import register as register_display
    from .tracking import register as register_tracking

    register_tracking(socketio)
    register_display(socketio)
    register_counter(socketio)

    from counters import bp as counters_bp
    from display import bp as display_bp
    from kiosk import bp as kiosk_bp
    from printer import Spooler
    from scheduler import bp as scheduler_bp

    from .api import bp as api_bp
    from .api.errors import register_error_handlers
    from .enrolment import bp as enrolment_bp
    from .pages import bp as pages_bp
    from .staff_pages import bp as staff_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(enrolment_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(display_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(counters_bp)
    app.register_blueprint(scheduler_bp)
    app.extensions["guichet_spooler"] = Spooler()
    # Per-address limits on public booking endpoints (shared through Redis when configured).
    app.extensions["guichet_limiter"] = Limiter(settings.redis_url, parse_limits(settings.rate_limits))
    register_error_handlers(app)

    @app.context_processor
    def page_language() -> dict[str, object]:
        # Every page declares its language and direction (Arabic is right to left).
        lang = str(get_locale() or "fr")
        return {"page_lang": lang, "page_rtl": lang in RTL_LANGUAGES}

    return app
