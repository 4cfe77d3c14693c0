"""Held outputs: triage, holds, outcomes, reviewer edits, playbooks, gold items, sweeps, webhooks."""
