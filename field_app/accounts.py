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
    user = User(name=name, password_hash=generate_password_hash(password, method=HASH_METHOD), role=role, active=True)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, name: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.name) == name.strip().lower())).first()


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    user = find_user(session, name) if name else None
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def failure_keys(name: str, ip: str) -> tuple[str, str]:
    return f"user:{name.strip().lower()[:150]}", f"ip:{ip}"


def is_rate_limited(session: Session, name: str, ip: str, *, window_s: int, max_user: int, max_ip: int) -> bool:
    """True if this user name or this address failed too often within the window."""
    since = utcnow() - dt.timedelta(seconds=window_s)
    user_key, ip_key = failure_keys(name, ip)
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
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - dt.timedelta(seconds=window_s)))
    for key in failure_keys(name, ip):
        session.add(LoginFailure(key=key, at=now))


def clear_failures(session: Session, name: str) -> None:
    """Forget a user's failures after a successful login (the address's count stays)."""
    user_key, _ = failure_keys(name, "")
    session.execute(delete(LoginFailure).where(LoginFailure.key == user_key))


def agents(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == "agent", User.active).order_by(User.name)))
