"""Stage 5: the convnet of Wang et al., the playable-prototype model,
baselines, the 2-D toy."""
