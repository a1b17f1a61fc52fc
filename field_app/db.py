"""The one owner of the database: engine, per-request session, migrations.

SQLite (default, a file in the instance folder) runs in WAL mode and every transaction starts
with ``BEGIN IMMEDIATE``: concurrent writers then queue on ``busy_timeout`` instead of failing
with "database is locked" when a read transaction tries to upgrade to a write.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from dynamobile.errors import DynamobileError

log = logging.getLogger(__name__)


class DatabaseUnavailable(DynamobileError):
    """The database cannot be reached or opened."""


MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and immediate transactions."""
    if url.startswith("postgres://"):  # the form some hosts hand out
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)

    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself (see "begin")
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest migration: what `upgrade` brings a database to."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None  # the migrations folder ships with the package
    return head


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision."""
    from alembic import command

    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"base de données injoignable ({url}) : {exc.orig}") from None


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["field_db"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)
    app.cli.add_command(init_db_command)
    if app.config.get("AUTO_MIGRATE", True):
        upgrade(engine)


def engine_of(app: Flask) -> Engine:
    return app.extensions["field_db"].kw["bind"]


def new_session(app: Flask) -> Session:
    """A session outside a request (CLI, scripts); the caller commits and closes it."""
    return app.extensions["field_db"]()


def get_session() -> Session:
    """The session of the current request or app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = new_session(current_app)
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    # Whatever the view did not commit is rolled back here.
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@click.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic ``upgrade head``)."""
    upgrade(engine_of(current_app))
    click.echo("Base de données à jour.")
