"""What numbers and structure mean: quantities, their senses, which sentences to read, sentence reading, layout, JSON arguments."""
