"""Who may see and do what: roles, and tenants (the apps a user is granted).

Every page and every JSON route resolves its user to a `Viewer` and asks it; an item of an
app the viewer is not granted is treated as absent (404), so its existence is not leaked.
Only the roles that decide read raw candidates: an `ml` user (who studies decisions, and
never claims or decides) sees each candidate as the checks guarded it (`masked_candidate`),
never the matched text of a finding. `tests/test_route_roles.py` holds the route × role table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from proxy.store.database import Store
from proxy.store.models import User

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
    def sees_raw(self) -> bool:
        """Whether raw (unmasked) model outputs may be shown to this user."""
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


def masked_candidate(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored candidate as a user who may not read raw outputs sees it: the guarded message
    in place of the raw one, findings without the text they matched."""
    findings = [{k: v for k, v in f.items() if k != "text"} for f in stored.get("findings") or [] if isinstance(f, dict)]
    guarded = stored.get("fixed") if isinstance(stored.get("fixed"), dict) else {}
    return {**{k: v for k, v in stored.items() if k not in ("message", "fixed", "findings")},
            "message": guarded, "fixed": guarded, "findings": findings}
