"""Preference data: review decisions turned into training and evaluation records
(`records`), read from the store in bounded batches (`source`), masked with each policy's
own PII check (`masking`), shaped for trainers (`formats`) and written to disk or served
page by page (`export`, `api`)."""
