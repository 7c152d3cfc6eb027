"""Stage 4: scattering coefficients, log-mel spectrograms and their
inversion, modulation rates."""
