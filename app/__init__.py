"""The application factory."""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.routing import IntegerConverter

from app.json_provider import OrjsonProvider
from app.sessions import CookieSessions
from config import CONFIGS, DEVELOPMENT_SECRET_KEY, INSTANCE_DIR, Config, ProductionConfig


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the Flask application; blueprints and handlers are imported inside."""
    if config_class is None:
        config_class = CONFIGS[os.environ.get("HOTLINE_ENV", "development")]
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.json = OrjsonProvider(app)
    app.session_interface = CookieSessions()
    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    app.config.from_object(config_class)
    app.config.update(overrides)
    if issubclass(config_class, ProductionConfig) and (
        app.config["SECRET_KEY"] in ("", DEVELOPMENT_SECRET_KEY)
    ):
        raise RuntimeError(
            "HOTLINE_SECRET_KEY is not set: production signs sessions with it (a long random"
            " string, the same in every process)"
        )
    _refuse_non_positive(app)
    os.makedirs(app.instance_path, exist_ok=True)
    _trust_proxies(app)
    _init_extensions(app)
    _register_blueprints(app)
    _load_word_dictionary()
    return app


# Lifetimes that 0 or less would end at once: every login, every intake key.
POSITIVE_SETTINGS = {
    "SESSION_HOURS": "HOTLINE_SESSION_HOURS",
    "INTAKE_KEY_HOURS": "HOTLINE_INTAKE_KEY_HOURS",
}


def _refuse_non_positive(app: Flask) -> None:
    for key, variable in POSITIVE_SETTINGS.items():
        if not app.config[key] > 0:
            raise RuntimeError(f"{variable} must be more than 0 (it is {app.config[key]})")


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits (not any Unicode digit) up to the largest id
    an INTEGER column holds, so a larger number is not found (404) instead of reaching the
    database, which refuses it (SQLite past 64 bits, PostgreSQL past 32)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client's address, scheme and host from their
    X-Forwarded-* headers (only then: a client could forge them)."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _load_word_dictionary() -> None:
    """The segmenter's dictionary (for routing rules) loads once per process, here (about
    half a second) rather than in the first intakes, which would wait for it holding their
    database connections."""
    from dispatch import words

    words.warm_up()


def _init_extensions(app: Flask) -> None:
    from app import (
        audit,  # noqa: F401  (its listener records changes of the setup)
        auth,
        headers,
        i18n,
        ratelimit,
        sqlite,
    )
    from app.extensions import csrf, db, migrate, socketio
    from app.live import RedisQueue, same_site
    from config import BASE_DIR
    from dispatch import rollup  # noqa: F401  (its listener keeps the statistics rollup)

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    sqlite.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    ratelimit.init_app(app)
    headers.init_app(app)
    redis_url = app.config.get("REDIS_URL")
    socketio.init_app(
        app,
        async_mode="threading",
        cors_allowed_origins=same_site(
            app.config.get("PUBLIC_URL") or "", app.config.get("TRUSTED_PROXIES", 0)
        ),
        **({"client_manager": RedisQueue(redis_url)} if redis_url else {}),
    )
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sqlite.configure(db.engine)


def _engine_options(config: dict) -> dict:
    """Engine options for the configured database (a copy: config classes are shared)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", 30)
        if ":memory:" in uri or uri == "sqlite://":
            from sqlalchemy.pool import StaticPool

            options["poolclass"] = StaticPool
            connect_args["check_same_thread"] = False
    elif uri.startswith("postgresql"):
        # Fail fast when the database is down instead of hanging requests.
        connect_args.setdefault("connect_timeout", 2)
        options.setdefault("pool_timeout", 5)
        options.setdefault("pool_size", config.get("DB_POOL_SIZE", 5))
        options.setdefault("max_overflow", config.get("DB_MAX_OVERFLOW", 10))
    options["connect_args"] = connect_args
    return options


def _register_blueprints(app: Flask) -> None:
    from app import cli, errors, live, webhooks
    from app.api import bp as api_bp
    from app.open311 import bp as open311_bp
    from app.web import register as register_web

    app.register_blueprint(api_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(webhooks.bp)
    register_web(app)
    errors.init_app(app)
    cli.init_app(app)
    live.init_app()
