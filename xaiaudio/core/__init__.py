"""Stage 1: presets and run configuration, the content-addressed cache,
library shims, threads."""
