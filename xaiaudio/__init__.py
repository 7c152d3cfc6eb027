"""xaiaudio: the tested code behind the book *Explainable audio
classification*.

The package's folders are the pipeline's stages, in the order the book
meets them; each imports only from the stages before it
(``tests/test_layout.py`` checks it):

1. :mod:`xaiaudio.core`: presets, the content-addressed cache, library
   shims;
2. :mod:`xaiaudio.data`: audio I/O, SOL and LibriSpeech folders, splits,
   dataset tables;
3. :mod:`xaiaudio.synth`: the embedded corpus (techniques, instruments,
   notes, voices);
4. :mod:`xaiaudio.features`: scattering, log-mel spectrograms, modulation
   rates;
5. :mod:`xaiaudio.models`: the convnet of Wang et al., the prototype model,
   baselines, a toy;
6. :mod:`xaiaudio.training`: metrics, training loops, the prototype
   curriculum;
7. :mod:`xaiaudio.explain`: LRP from scratch and with zennit, gradient
   methods, the method registry, relevance statistics, faithfulness;
8. :mod:`xaiaudio.experiments`: the cached pipelines the chapters call;
9. :mod:`xaiaudio.report`: figures, generated tables and sentences,
   widgets.
"""

from xaiaudio.core import compat as _compat

#: The stage subpackages, in pipeline order.
STAGES = (
    "core",
    "data",
    "synth",
    "features",
    "models",
    "training",
    "explain",
    "experiments",
    "report",
)

_compat.install_zennit_hook()

__version__ = "0.1.0"
