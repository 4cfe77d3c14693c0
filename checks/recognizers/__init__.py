"""Recognizers loopguard adds to presidio for what stock presidio misses or over-flags."""
