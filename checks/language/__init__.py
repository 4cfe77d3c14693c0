"""The language layer: normalised text, words and phrases, English, spaCy parses, negation."""
