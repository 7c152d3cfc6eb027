"""Stage 8: the cached pipelines the chapters call (features -> model ->
relevance; log-mels -> runs)."""
