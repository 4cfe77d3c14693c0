"""Who may see and do what: roles, and tenants (the apps a user is granted).

Every page and every JSON route resolves its user to a `Viewer` and asks it; an item of an
app the viewer is not granted is treated as absent (404), so its existence is not leaked.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxy.models import User
from proxy.store import Store

ROLES = ("reviewer", "lead", "admin", "ml")
DECIDER_ROLES = frozenset({"reviewer", "lead", "admin"})
LEAD_ROLES = frozenset({"lead", "admin"})


@dataclass(frozen=True)
class Viewer:
    """A signed-in user with the apps they may see (None: every app, for admins)."""

    user: User
    app_ids: frozenset[int] | None

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def can_decide(self) -> bool:
        return self.user.role in DECIDER_ROLES

    @property
    def is_lead(self) -> bool:
        return self.user.role in LEAD_ROLES

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"

    def sees(self, app_id: int) -> bool:
        return self.app_ids is None or app_id in self.app_ids


def viewer_for(store: Store, user: User) -> Viewer:
    if user.role == "admin":
        return Viewer(user, None)
    return Viewer(user, frozenset(store.granted_app_ids(user.id or 0)))
