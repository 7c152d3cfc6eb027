"""Stage 2: reading audio, SOL and LibriSpeech folders, splits, dataset
tables."""
