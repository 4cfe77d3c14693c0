"""loopguard.yaml: LiteLLM's `model_list` as it is, plus loopguard's own settings.

Values written `os.environ/NAME` read the environment (loopguard's settings here,
`model_list` entries by litellm itself, exactly as in a LiteLLM proxy config).
A bad file stops start-up with the file, the field and the reason.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
    for key in ("database_url", "policies_dir"):
        if key in data:
            data[key] = resolve_env(data[key], f"{path}: {key}")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc)) from exc
    if settings.policies_dir and not Path(settings.policies_dir).is_absolute():
        settings.policies_dir = str((path.parent / settings.policies_dir).resolve())
    return settings
