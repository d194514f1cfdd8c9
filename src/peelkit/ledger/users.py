"""People who sign in to the web app: analysts, inspectors and force users (each tied to one force).

Passwords are stored as argon2 hashes only. The audit log records every change of a user but never the hash
(``__audit_masked__``). A user is disabled, never deleted, so the audit log keeps naming real accounts.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal, get_args

from sqlalchemy import Boolean, DateTime, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from peelkit.errors import InputError
from peelkit.ledger.base import Base, Versioned, utcnow

if TYPE_CHECKING:
    from argon2 import PasswordHasher

Role = Literal["analyst", "inspector", "force"]
ROLES: tuple[Role, ...] = get_args(Role)
MIN_PASSWORD = 10
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


class UserError(InputError, ValueError):
    """A user that cannot be added or changed as asked."""


class User(Versioned, Base):
    __tablename__ = "users"
    __audited__ = True
    __audit_masked__: ClassVar[frozenset[str]] = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    force_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Naive UTC. Sessions issued before it are refused in every worker: a password change signs out everywhere.
    credentials_changed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    def __repr__(self) -> str:  # never the hash
        return f"User(id={self.id!r}, name={self.name!r}, role={self.role!r}, force_code={self.force_code!r})"

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "role": self.role, "force_code": self.force_code,
                "active": self.active, "created_at": self.created_at.isoformat() if self.created_at else None}


_HASHER: list[PasswordHasher] = []


def _hasher() -> PasswordHasher:
    if not _HASHER:
        from argon2 import PasswordHasher

        _HASHER.append(PasswordHasher())  # argon2id with the library's (RFC 9106 low-memory) defaults
    return _HASHER[0]


def use_hasher(hasher: PasswordHasher | None) -> None:
    """Replace the password hasher; the test suite uses a cheap one (None restores the default)."""
    _HASHER.clear()
    _DUMMY_HASH.clear()
    if hasher is not None:
        _HASHER.append(hasher)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is {len(password)} characters; use at least {MIN_PASSWORD} "
                        "(a few random words is a good password)")


def add_user(session: Session, name: str, role: str, password: str, force_code: str | None = None) -> User:
    """Add an active user. A force user needs a force (any spelling; stored as its code); others must not have one."""
    name = name.strip().lower()
    if not NAME_PATTERN.match(name):
        raise UserError(f"user name {name!r} must be 1-63 lower-case letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if role == "force":
        if not force_code:
            raise UserError("a force user needs a force: give --force, e.g. --force Warwickshire")
        from peelkit.forces import match_force

        force_code = match_force(force_code).code
    elif force_code:
        raise UserError(f"only force users belong to a force; an {role} sees every force")
    _check_password(password)
    if session.scalars(select(User.id).where(User.name == name)).first() is not None:
        raise UserError(f"there is already a user called {name!r}")
    user = User(name=name, role=role, force_code=force_code or None, password_hash=hash_password(password),
                active=True)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:
        raise UserError(f"there is already a user called {name!r}") from error
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user(session: Session, name: str) -> User | None:
    return session.scalars(select(User).where(User.name == name.strip().lower())).one_or_none()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


# Verifying against this keeps an unknown name as slow as a wrong password (no user-name probing by timing).
_DUMMY_HASH: list[str] = []


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, else None (the same for every kind of failure)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    user = find_user(session, name)
    hasher = _hasher()
    if user is None or not user.active:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hasher.hash("not a real password"))
        with suppress(VerificationError):
            hasher.verify(_DUMMY_HASH[0], password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        session.flush()
    return user


def _existing_user(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise UserError(f"no user called {name!r}: see `peel users list`")
    return user


def set_active(session: Session, name: str, active: bool) -> User:
    """Disable (or re-enable) a user; a disabled user cannot sign in and loses any open session."""
    user = _existing_user(session, name)
    if user.active != active:
        user.active = active
        session.flush()
    return user


def set_password(session: Session, name: str, password: str) -> User:
    user = _existing_user(session, name)
    _check_password(password)
    user.password_hash = hash_password(password)
    user.credentials_changed_at = utcnow()
    session.flush()
    return user


def credentials_stamp(user: User) -> str:
    """Changes whenever the password is changed: a session carries the stamp it began under, and is refused once
    it differs (clock-free, so every worker and process agrees)."""
    return user.credentials_changed_at.isoformat() if user.credentials_changed_at else ""
