"""Command line of the scorecard: ``python -m xaiaudio.scorecard --preset
book --seeds 5``.

An entry point, not a stage: it only parses arguments and calls
:func:`xaiaudio.experiments.scorecard.run_scorecard` (see ``__main__.py``).
"""
