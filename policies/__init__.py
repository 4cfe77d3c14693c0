"""Shipped policy packs (YAML data, loaded by proxy.policy)."""
