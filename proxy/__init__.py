"""loopguard's gateway: OpenAI-compatible routes, upstream calls, guard, holds, storage, CLI."""
