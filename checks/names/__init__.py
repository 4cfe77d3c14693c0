"""Person-name evidence: span finding, lexicons, context cues and their vocabulary."""
