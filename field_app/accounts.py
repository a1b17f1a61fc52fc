"""User accounts and the login rate limit (kept in the database so it holds across workers)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from dynamobile.errors import InputError

from .models import LoginFailure, User, utcnow
from .vocab import ROLES

MIN_PASSWORD_LENGTH = 8
HASH_METHOD = "scrypt"  # werkzeug default; tests lower the cost
# Checked against when the user name is unknown, so a wrong name costs as much time as a wrong
# password and does not reveal which names exist.
_DUMMY_HASH = generate_password_hash("dynamobile-dummy-password")


def create_user(session: Session, name: str, password: str, role: str) -> User:
    """Add an account; raises InputError on a bad name, role or short password."""
    name = name.strip()
    problems = []
    if not name or len(name) > 80 or any(c.isspace() for c in name):
        problems.append("nom d'utilisateur : 1 à 80 caractères, sans espace")
    if role not in ROLES:
        problems.append(f"rôle inconnu « {role} » (attendu : {', '.join(ROLES)})")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"mot de passe : au moins {MIN_PASSWORD_LENGTH} caractères")
    if not problems and find_user(session, name) is not None:
        problems.append(f"l'utilisateur « {name} » existe déjà")
    if problems:
        raise InputError(problems)
    user = User(
        name=name,
        password_hash=generate_password_hash(password, method=HASH_METHOD),
        role=role,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, name: str) -> User | None:
    return session.scalars(
        select(User).where(func.lower(User.name) == name.strip().lower())
    ).first()


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    user = find_user(session, name) if name else None
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _user_key(name: str, ip: str) -> str:
    # The address first: it holds no space and names hold none, so "user:<ip> " prefixes nothing else.
    return f"user:{ip} {name.strip().lower()[:150]}"


def _ip_key(ip: str) -> str:
    return f"ip:{ip}"


def is_rate_limited(
    session: Session, name: str, ip: str, *, window_s: int, max_user: int, max_ip: int
) -> bool:
    """True if this name failed too often from this address, or this address tried too many unknown names.

    Counting a name per address means an attacker elsewhere cannot lock its owner out; the
    per-address count only takes failures on names that are no account (guessing names), so the
    typos of a team behind one NAT never add up to lock everyone out.
    """
    since = utcnow() - dt.timedelta(seconds=window_s)
    user_key, ip_key = _user_key(name, ip), _ip_key(ip)
    counts = dict(
        session.execute(
            select(LoginFailure.key, func.count())
            .where(LoginFailure.key.in_([user_key, ip_key]), LoginFailure.at >= since)
            .group_by(LoginFailure.key)
        ).all()
    )
    return counts.get(user_key, 0) >= max_user or counts.get(ip_key, 0) >= max_ip


def record_failure(session: Session, name: str, ip: str, *, window_s: int) -> None:
    now = utcnow()
    session.execute(
        delete(LoginFailure).where(LoginFailure.at < now - dt.timedelta(seconds=window_s))
    )
    session.add(LoginFailure(key=_user_key(name, ip), at=now))
    if not name.strip() or find_user(session, name) is None:
        session.add(LoginFailure(key=_ip_key(ip), at=now))


def clear_failures(session: Session, name: str, ip: str) -> None:
    """Forget this name's failures from this address after a successful login from it."""
    session.execute(delete(LoginFailure).where(LoginFailure.key == _user_key(name, ip)))


def unlock(session: Session, name: str) -> int:
    """Forget the failures on user ``name`` from every address; returns how many were forgotten."""
    user = _existing_user(session, name)
    suffix = " " + user.name.lower()[:150]
    ids = [
        row.id
        for row in session.scalars(select(LoginFailure).where(LoginFailure.key.startswith("user:")))
        if row.key.endswith(suffix) and " " not in row.key[len("user:") : -len(suffix)]
    ]
    if ids:
        session.execute(delete(LoginFailure).where(LoginFailure.id.in_(ids)))
    return len(ids)


def _existing_user(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise InputError(f"aucun utilisateur « {name.strip()} »")
    return user


def revoke_sessions(user: User) -> None:
    """End every session of ``user`` (each cookie carries the version it was issued with)."""
    user.session_version = (user.session_version or 0) + 1


def record_login(user: User) -> None:
    user.last_login_at = utcnow()


def deactivate_user(session: Session, name: str) -> User:
    """Refuse ``name``'s logins from now on and end its sessions."""
    user = _existing_user(session, name)
    user.active = False
    revoke_sessions(user)
    return user


def reset_password(session: Session, name: str, password: str) -> User:
    """Give ``name`` a new password and end its sessions; raises InputError on a short password."""
    user = _existing_user(session, name)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"mot de passe : au moins {MIN_PASSWORD_LENGTH} caractères")
    user.password_hash = generate_password_hash(password, method=HASH_METHOD)
    revoke_sessions(user)
    return user


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(func.lower(User.name))))


def agents(session: Session) -> list[User]:
    return list(
        session.scalars(select(User).where(User.role == "agent", User.active).order_by(User.name))
    )
