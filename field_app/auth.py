"""Login, logout and role checks."""

from __future__ import annotations

import functools
import unicodedata
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from . import accounts
from .db import get_session
from .models import User

bp = Blueprint("auth", __name__)


@bp.before_app_request
def load_logged_in_user() -> None:
    user_id = session.get("user_id")
    g.user = None
    if user_id is not None:
        user = get_session().get(User, user_id)
        # A cookie from before migration 0003 has no version: it counts as 0, the version every
        # user started at, so it lasts until the user's first logout, reset or deactivation.
        if (
            user is not None
            and user.active
            and session.get("session_version", 0) == user.session_version
        ):
            g.user = user
        else:
            session.clear()


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=request.path))
        return view(**kwargs)

    return wrapped


def coordinator_required(view):
    @functools.wraps(view)
    @login_required
    def wrapped(**kwargs):
        if g.user.role != "coordinator":
            abort(403)
        return view(**kwargs)

    return wrapped


def safe_next(target: str) -> str | None:
    """``target`` if it is a path of this site, else None.

    Only ``/`` followed by anything but ``/`` or ``\\``, with no backslash, control character or
    space anywhere: browsers drop tabs and newlines and read ``\\`` as ``/``, so ``/%09/evil``
    or ``/\\evil`` would leave the site. Nothing is stripped: a doubtful target is refused whole.
    """
    if not target.startswith("/") or len(target) > 2000:
        return None
    if target[1:2] in ("/", "\\") or "\\" in target:
        return None
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def index():
    if g.user is None:
        return redirect(url_for("auth.login"))
    return redirect(
        url_for("coordinator.dashboard" if g.user.role == "coordinator" else "agent.home")
    )


@bp.get("/accessibilite")
def accessibility():
    """The accessibility statement (RGAA template), public and linked from every page's footer.
    ``ACCESSIBILITY_CONTACT`` (``DYNAMOBILE_ACCESSIBILITY_CONTACT``) names who to write to."""
    return render_template(
        "accessibilite.html", contact=current_app.config.get("ACCESSIBILITY_CONTACT")
    )


@bp.route("/login", methods=("GET", "POST"))
def login():
    if request.method == "GET":
        return render_template("login.html")
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    db = get_session()
    cfg = current_app.config
    ip = request.remote_addr or "?"
    if accounts.is_rate_limited(
        db,
        name,
        ip,
        window_s=cfg["LOGIN_WINDOW_S"],
        max_user=cfg["LOGIN_MAX_FAILURES_USER"],
        max_ip=cfg["LOGIN_MAX_FAILURES_IP"],
    ):
        minutes = cfg["LOGIN_WINDOW_S"] // 60
        flash(f"Trop de tentatives de connexion. Réessayez dans {minutes} minutes.")
        return render_template("login.html", name=name), 429
    user = accounts.authenticate(db, name, password)
    if user is None:
        accounts.record_failure(db, name, ip, window_s=cfg["LOGIN_WINDOW_S"])
        db.commit()
        flash("Nom d'utilisateur ou mot de passe incorrect.")
        return render_template("login.html", name=name), 401
    accounts.clear_failures(db, user.name, ip)
    accounts.record_login(user)
    db.commit()
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["session_version"] = user.session_version
    return redirect(safe_next(request.args.get("next", "")) or url_for("index"))


@bp.post("/logout")
def logout():
    # Ends the user's sessions everywhere (other phones too): a copied cookie dies with this one.
    if g.user is not None:
        accounts.revoke_sessions(g.user)
        get_session().commit()
    session.clear()
    return redirect(url_for("auth.login"))
