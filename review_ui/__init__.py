"""The reviewers' side of loopguard: the JSON review API (the web UI comes later)."""
