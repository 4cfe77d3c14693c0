"""The HTTP surface: OpenAI-compatible routes, strict input, limits, errors, request logs, responses."""
