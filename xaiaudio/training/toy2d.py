"""Training the two-dimensional toy classifier of the chapter "Deep Taylor decomposition"."""

from __future__ import annotations

import torch
from torch import nn

from xaiaudio.models.toy2d import toy_mlp, wedge_data


def train_toy_mlp(settings: dict, seed: int = 0) -> tuple[nn.Sequential, float]:
    """Train :func:`toy_mlp` on :func:`wedge_data` with full-batch Adam.

    Returns the model (eval mode) and its accuracy on fresh points.  Used by "Deep Taylor decomposition".
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
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    return model.eval(), accuracy
