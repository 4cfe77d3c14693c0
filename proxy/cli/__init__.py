"""The `loopguard` command. Every command reads --config, else $LOOPGUARD_CONFIG, else
./loopguard.yaml. One module per command group."""

from __future__ import annotations

import click

from proxy.cli.apps import apps, keys
from proxy.cli.calibration import calibrate, playbook
from proxy.cli.database import db
from proxy.cli.exports import export
from proxy.cli.maintenance import audit, policy, prune
from proxy.cli.metrics import metrics
from proxy.cli.reviews import reviews
from proxy.cli.server import demo, serve
from proxy.cli.users import users


@click.group()
def main() -> None:
    """loopguard: an OpenAI-compatible guardrail proxy with human review."""


for command in (serve, demo, db, keys, apps, users, reviews, policy, audit, prune, export, metrics, calibrate, playbook):
    main.add_command(command)
