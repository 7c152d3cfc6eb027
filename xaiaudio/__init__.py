"""xaiaudio: the tested code behind the book *Explainable audio classification*.

One module per concept: :mod:`~xaiaudio.presets` (smoke / book / paper settings),
:mod:`~xaiaudio.cache` (content-addressed on-disk cache), :mod:`~xaiaudio.audio`
(reading and standardising audio), :mod:`~xaiaudio.synth` (the embedded corpus),
:mod:`~xaiaudio.sol` (the SOL folder loader), :mod:`~xaiaudio.data` (datasets the
chapters use), and the chapter-specific modules.
"""

from xaiaudio import compat as _compat

_compat.ensure_torchvision_importable()

__version__ = "0.1.0"
