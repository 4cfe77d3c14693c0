"""The HTTP surface: OpenAI-compatible routes, strict input, limits, errors, request logs, responses,
and what a request does when the database is down (`on_db_error`)."""
