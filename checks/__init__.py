"""loopguard's check engine: text + context -> findings. No web, no database.

A check is a class with a `name`, a pydantic `Config` and `run(text, context)`;
built-in checks register through the `loopguard.checks` entry point group, exactly
as an outside package would.
"""
