"""loopguard.yaml: LiteLLM's `model_list` as it is, plus loopguard's own settings.

Values written `os.environ/NAME` read the environment (loopguard's settings here,
`model_list` entries by litellm itself, exactly as in a LiteLLM proxy config).
A bad file stops start-up with the file, the field and the reason.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

ENV_PREFIX = "os.environ/"
DEFAULT_PATH = "loopguard.yaml"


class ConfigError(Exception):
    """The config or a policy file is invalid; the message names file, field and reason."""


class Settings(BaseModel):
    """Everything in loopguard.yaml. Unknown top-level keys are errors (typos are caught)."""

    model_config = ConfigDict(extra="forbid")

    model_list: list[dict[str, Any]] = Field(min_length=1)
    router_settings: dict[str, Any] = Field(default_factory=dict)
    litellm_settings: dict[str, Any] = Field(default_factory=dict)
    database_url: str = "sqlite:///loopguard.db"
    policies_dir: str | None = None
    check_plugins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0)
    upstream_timeout_s: float = Field(60.0, gt=0)
    claim_timeout_s: int = Field(600, gt=0)
    # Database unavailable: fail (503, nothing passes unlogged) or answer anyway, counted and logged (proxy.http.unlogged).
    on_db_error: Literal["fail", "allow_unlogged"] = "fail"
    shutdown_grace_s: float = Field(30.0, gt=0)  # on SIGTERM, in-flight requests get this long to finish
    # The review UI and webhooks.
    secret_key: str | None = Field(None, min_length=16)  # derives webhook signing secrets; never logged
    public_url: str = "http://127.0.0.1:4000"  # where reviewers reach loopguard: links in webhooks and the CLI
    session_idle_s: int = Field(1800, gt=0)  # a browser session unused this long ends
    session_max_s: int = Field(12 * 3600, gt=0)  # and any session ends this long after login
    cookie_secure: Literal["auto", "always", "never"] = "auto"  # auto: Secure when the request came over https
    login_max_failures: int = Field(5, gt=0)  # wrong passwords for one email before it is locked out
    login_lockout_s: int = Field(900, gt=0)  # how long failures count, and so how long a lockout lasts
    login_ip_max_failures: int = Field(30, gt=0)  # wrong passwords from one address in that time
    webhook_timeout_s: float = Field(5.0, gt=0)
    webhook_max_attempts: int = Field(8, gt=0)
    webhook_backoff_s: float = Field(2.0, gt=0)  # first retry after this, doubling each time (capped at an hour)
    queue_refresh_s: float = Field(5.0, gt=0)  # how often an open queue page refreshes its rows and counts
    sweep_interval_s: float = Field(1.0, gt=0)  # how often due webhooks, hold timeouts and SLA breaches are handled

    @property
    def model_names(self) -> list[str]:
        return sorted({str(m.get("model_name")) for m in self.model_list})


def config_path(explicit: str | None) -> Path:
    """--config, else $LOOPGUARD_CONFIG, else ./loopguard.yaml."""
    return Path(explicit or os.environ.get("LOOPGUARD_CONFIG") or DEFAULT_PATH)


def resolve_env(value: Any, where: str) -> Any:
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX):]
        if name not in os.environ:
            raise ConfigError(f"{where}: environment variable {name} is not set")
        return os.environ[name]
    return value


def format_validation_error(source: str, exc: ValidationError) -> str:
    lines = [f"{source}: invalid"]
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {field}: {err['msg']}")
    return "\n".join(lines)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def load_settings(path: Path) -> Settings:
    data = read_yaml(path)
    for key in ("database_url", "policies_dir", "secret_key", "public_url"):
        if key in data:
            data[key] = resolve_env(data[key], f"{path}: {key}")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc)) from exc
    if settings.policies_dir and not Path(settings.policies_dir).is_absolute():
        settings.policies_dir = str((path.parent / settings.policies_dir).resolve())
    return settings
