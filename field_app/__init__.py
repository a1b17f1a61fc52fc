"""Dynamobile's offline-first field app: agents log stops and encounters, coordinators publish
plans and read the figures. Flask application factory in the style of Flask's tutorial."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask

log = logging.getLogger(__name__)

DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": 14 * 24 * 3600,  # agents stay logged in through offline days
    # The token lives as long as the session: a page cached offline for hours must still sync.
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,  # plan.json files carry geometry
    "AUTO_MIGRATE": True,
    "LOGIN_WINDOW_S": 15 * 60,
    "LOGIN_MAX_FAILURES_USER": 5,
    "LOGIN_MAX_FAILURES_IP": 30,
    "SYNC_BATCH_MAX": 200,  # records accepted in one request
    "SYNC_BATCH_SIZE": 50,  # records the page sends per request
    "SYNC_BACKOFF_BASE_MS": 2000,
    "SYNC_BACKOFF_MAX_MS": 5 * 60 * 1000,
    "PROXY_FIX": 0,  # number of trusted reverse proxies in front (X-Forwarded-For/Proto)
    # Planning jobs (field_app.job_queue) plan the database's scenario; a TOML path here plans
    # that file instead (scripts, demonstrations). PLAN_WORKERS: the consumer threads
    # `dynamobile serve` and `dynamobile worker` start.
    "PLAN_SCENARIO": None,
    "PLAN_WORKERS": 1,
    # The app's public address (DYNAMOBILE_PUBLIC_URL), for the route sheets' QR codes; unset:
    # the address a download request came to, and no QR code if that is localhost.
    "PUBLIC_URL": None,
    # A line printed at the bottom of every invitation card (La Dynamo's address, opening hours…):
    # empty by default, set DYNAMOBILE_INVITATION_FOOTER.
    "INVITATION_FOOTER": "",
    # Response compression (flask-compress; waitress has none): text answers of 1 KB or more, in
    # brotli or gzip as the browser accepts. Static files are compressed as they stream; their
    # ETag gets the encoding's suffix (``"…:gzip"``) so a 304 still works.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
    "COMPRESS_MIN_SIZE": 1024,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "application/geo+json",
        "image/svg+xml",
        "text/csv",
    ],
}


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder
    (so every worker and every restart shares it)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the field app. Configuration: ``test_config`` if given, else environment variables
    (``DATABASE_URL``, ``SECRET_KEY``, ``FIELD_APP_HTTPS`` and any ``DYNAMOBILE_<KEY>``)."""
    instance_path = os.environ.get("DYNAMOBILE_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)

    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_prefixed_env("DYNAMOBILE")
        app.config["DATABASE_URL"] = os.environ.get(
            "DATABASE_URL",
            app.config.get("DATABASE_URL") or f"sqlite:///{instance / 'field_app.sqlite'}",
        )
        if os.environ.get("REDIS_URL"):  # the planning queue's storage (default: SQLite)
            app.config["REDIS_URL"] = os.environ["REDIS_URL"]
        if os.environ.get("FIELD_APP_HTTPS", "").lower() in ("1", "true", "yes"):
            app.config["SESSION_COOKIE_SECURE"] = True
    else:
        app.config.from_mapping(test_config)
    app.config.setdefault("DATABASE_URL", f"sqlite:///{instance / 'field_app.sqlite'}")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    from flask_wtf.csrf import CSRFProtect

    CSRFProtect(app)

    from flask_compress import Compress

    Compress(app)

    from . import (
        agent,
        api,
        auth,
        coordinator,
        db,
        errors,
        invitation_views,
        job_queue,
        plan_api,
        plan_page,
        records_page,
        web,
    )
    from .catalogue_views import bp as catalogue_bp

    db.init_app(app)
    job_queue.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(agent.bp)
    app.register_blueprint(coordinator.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(plan_api.bp)
    app.register_blueprint(plan_page.bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(records_page.bp)
    app.register_blueprint(invitation_views.bp)
    app.add_url_rule("/", endpoint="index", view_func=auth.index)
    # The address printed on the route sheets (maps/sheets.py, DEFAULT_TOUR_URL).
    app.add_url_rule("/tours/<vehicle>/<date>", endpoint="tour_link", view_func=agent.tour_link)
    return app
