"""Training the two-dimensional toy classifier of deep Taylor
decomposition.

The data and the network are in :mod:`xaiaudio.models.toy_network`, the
figures in :mod:`xaiaudio.report.toy_figures`.
"""

from __future__ import annotations

import torch
from torch import nn

from xaiaudio.models.toy_network import toy_mlp, wedge_data


def train_toy_mlp(
    settings: dict, seed: int = 0
) -> tuple[nn.Sequential, float]:
    """Train the toy network on wedge data with full-batch Adam.

    The network is :func:`~xaiaudio.models.toy_network.toy_mlp`, the data
    :func:`~xaiaudio.models.toy_network.wedge_data`. Adam (learning rate
    1e-2) on the cross-entropy of all ``n_train`` points at once, for
    ``steps`` steps, on one CPU thread (the matrices are tiny; the previous
    thread count is restored). The accuracy is measured on 2048 fresh
    points (seed ``seed + 1``).

    Parameters
    ----------
    settings : dict
        An entry of :data:`xaiaudio.models.toy_network.TOY_SETTINGS`: reads
        ``n_train``, ``hidden`` and ``steps``.
    seed : int, default 0
        Seed of torch's global generator (initial weights) and of the
        training points.

    Returns
    -------
    model : torch.nn.Sequential
        The trained bias-free network, in eval mode.
    accuracy : float
        Fraction of the fresh points classified correctly, in [0, 1].
    """
    torch.manual_seed(seed)
    x, y = wedge_data(settings["n_train"], seed)
    model = toy_mlp(settings["hidden"])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads only add overhead
    try:
        for _ in range(settings["steps"]):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
    finally:
        torch.set_num_threads(threads)
    x_test, y_test = wedge_data(2048, seed + 1)
    with torch.no_grad():
        accuracy = (
            (model(x_test).argmax(1) == y_test).float().mean().item()
        )
    return model.eval(), accuracy
