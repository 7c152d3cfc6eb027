"""Stage 3: the embedded synthetic corpus: technique physics, instrument
timbres, notes, voices."""
