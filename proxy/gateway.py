"""The gateway's state, built once at start-up and passed to every route explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from checks.registry import discover
from checks.resources import Resources
from proxy.config import ConfigError, Settings
from proxy.errors import ApiError
from proxy.models import App
from proxy.policy import LoadedPolicy, load_policies
from proxy.store import Store
from proxy.telemetry import Telemetry
from proxy.upstream import Upstream


@dataclass
class Gateway:
    settings: Settings
    store: Store
    upstream: Upstream
    policies: dict[str, LoadedPolicy]
    telemetry: Telemetry

    @classmethod
    def build(cls, settings: Settings) -> Gateway:
        try:
            factories = discover(settings.check_plugins)
        except Exception as exc:  # a plugin that fails to import is a config error
            raise ConfigError(f"check_plugins: {exc}") from exc
        policies = load_policies(settings.policies_dir, factories, Resources())
        store = Store(settings.database_url)
        telemetry = Telemetry(store)
        store.listeners.append(telemetry.interaction_finished)
        return cls(settings, store, Upstream(settings), policies, telemetry)

    def policy_for(self, app: App) -> LoadedPolicy:
        if app.policy not in self.policies:
            raise ApiError(500, f"App '{app.name}' uses policy '{app.policy}', which this server has not loaded.",
                           "policy_not_loaded")
        return self.policies[app.policy]
