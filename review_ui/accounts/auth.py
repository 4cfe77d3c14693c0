"""Password sign-in: argon2 hashes, and rate limiting with lockout.

Every attempt is a `LoginAttempt` row, so limits hold across workers and restarts. An
email with `login_max_failures` wrong passwords within `login_lockout_s` (since its last
successful sign-in) is locked until the oldest of them ages out; while locked, its password
is not even checked. An address with `login_ip_max_failures` failures in that time is
refused too. Unknown emails count and answer exactly like known ones (no enumeration),
and a dummy hash is verified for them so timing does not tell either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, func, select

from proxy.config import Settings
from proxy.store.database import Store, normalise_email
from proxy.store.models import LoginAttempt, User, utcnow

MIN_PASSWORD_LENGTH = 10
# Verified for users without a password, so an unknown email costs as much as a known one.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$jw9wZYrgnf7N/I5TOBSPRw$L6nx9Zc6fhmdBVhH4oHbRd27xJBPMIY7pCDxYZM66aA"


def hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return hasher().hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user has a password (argon2 compares in constant time)."""
    ph = hasher()
    try:
        return ph.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the user, or a message for the form."""

    user: User | None
    error: str = ""


def _failures(store: Store, settings: Settings, email: str, ip: str) -> tuple[int, int, datetime | None]:
    """(failures for the email, failures from the address, oldest counted email failure)."""
    since = utcnow() - timedelta(seconds=settings.login_lockout_s)
    with store.session() as s:
        last_ok = s.exec(select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email,
                                                                  col(LoginAttempt.ok).is_(True))).one()
        start = max(since, last_ok) if last_ok else since
        by_email = s.exec(select(func.count(), func.min(LoginAttempt.at))
                          .where(LoginAttempt.email == email, col(LoginAttempt.ok).is_(False),
                                 col(LoginAttempt.at) > start)).one()
        by_ip = s.exec(select(func.count()).where(LoginAttempt.ip == ip, col(LoginAttempt.ok).is_(False),
                                                  col(LoginAttempt.at) > since)).one()
    return int(by_email[0]), int(by_ip), by_email[1]


def sign_in(store: Store, settings: Settings, email: str, password: str, ip: str) -> SignIn:
    email = normalise_email(email)
    if not email or not password:
        return SignIn(None, "Enter your email and password.")
    by_email, by_ip, oldest = _failures(store, settings, email, ip)
    if by_email >= settings.login_max_failures and oldest is not None:
        until = oldest + timedelta(seconds=settings.login_lockout_s)
        return SignIn(None, f"Too many wrong passwords for this email: sign-in is locked until {until:%H:%M} UTC.")
    if by_ip >= settings.login_ip_max_failures:
        return SignIn(None, "Too many failed sign-ins from this address. Wait a few minutes and try again.")
    user = store.user_by_email(email)
    ok = password_matches(user.password_hash if user else None, password) and user is not None \
        and user.disabled_at is None
    with store.session() as s:
        s.add(LoginAttempt(email=email, ip=ip, ok=ok))
        s.commit()
    if ok and user is not None:
        store.audit(f"user:{user.id}", "auth.login", f"user:{email}", {"ip": ip})
        return SignIn(user)
    store.audit("anonymous", "auth.login_failed", f"user:{email}", {"ip": ip})
    left = settings.login_max_failures - by_email - 1
    if left <= 0:
        store.audit("anonymous", "auth.lockout", f"user:{email}", {"minutes": settings.login_lockout_s // 60})
        return SignIn(None, f"Wrong email or password. Sign-in for this email is now locked for "
                            f"{settings.login_lockout_s // 60} minutes.")
    return SignIn(None, f"Wrong email or password. {left} more {'try' if left == 1 else 'tries'} before this "
                        "email is locked.")
