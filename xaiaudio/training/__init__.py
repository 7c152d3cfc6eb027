"""Stage 6: metrics, the convnet's training, the prototype curriculum,
baseline fitting."""
