"""zennit's canonizer applied by hand and its Gradient attributor (xaiaudio.explain.zennit_parts)."""

import pytest
import torch
from torch import nn

from xaiaudio.core.compat import import_zennit
from xaiaudio.explain import composites
from xaiaudio.explain.zennit_parts import canonizer_effect, gradient_attribution
from xaiaudio.models.convnet import PlayingTechniqueConvNet, randomise_batchnorm

zennit = import_zennit()  # before zennit's submodules: the torchvision shim
from zennit.canonizers import SequentialMergeBatchNorm  # noqa: E402
from zennit.composites import LayerMapComposite  # noqa: E402


def convnet(seed=0, n_paths=16):
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = randomise_batchnorm(PlayingTechniqueConvNet(n_paths), generator).double().eval()
    return model, torch.randn(3, n_paths, 32, dtype=torch.float64, generator=generator)


def snapshot(model):
    return {name: value.clone() for name, value in model.state_dict().items()}


def same_state(model, before):
    return all(torch.equal(before[name], value) for name, value in model.state_dict().items())


def test_canonizer_merges_the_three_block_norms_and_is_undone():
    model, x = convnet()
    before, logits = snapshot(model), model(x).detach()
    effect = canonizer_effect(model, x)
    # block1-3 each have conv -> norm; the input norm follows no linear layer and stays.
    assert effect.n_merged == 3
    # zennit's merged norm is x / sqrt(1 + eps): a change, but a tiny one.
    assert 0 < effect.relative_change < 1e-3
    assert same_state(model, before)
    assert torch.equal(model(x).detach(), logits)


def test_canonizer_without_batch_norms_changes_nothing():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).double()
    effect = canonizer_effect(model, torch.randn(5, 4, dtype=torch.float64))
    assert effect.n_merged == 0
    assert effect.relative_change == 0.0


def test_canonizer_restores_training_mode():
    model, x = convnet()
    model.train()
    canonizer_effect(model, x)
    assert model.training


def test_gradient_attribution_matches_the_package_and_leaves_the_model_alone():
    model, x = convnet(seed=1)
    before = snapshot(model)
    result = gradient_attribution(model, x, composites.epsilon_plus_composite())
    assert result.relevance.shape == x.shape
    # The logits come from the canonized model: off from the plain ones by exactly the canonizer's change.
    logits = model(x).detach()
    change = ((result.output - logits).abs().max() / logits.abs().max()).item()
    assert change == pytest.approx(canonizer_effect(model, x).relative_change, rel=1e-6)
    expected = composites.explain(model, x, composites.epsilon_plus_composite())
    assert torch.allclose(result.relevance, expected, rtol=1e-10, atol=1e-12)
    assert result.model_unchanged and same_state(model, before)


def test_gradient_attribution_explains_the_requested_class():
    model, x = convnet(seed=2)
    for target in (0, 4):
        result = gradient_attribution(model, x, composites.epsilon_plus_composite(), target=target)
        expected = composites.explain(model, x, composites.epsilon_plus_composite(), target=target)
        assert torch.allclose(result.relevance, expected, rtol=1e-10, atol=1e-12)


class LeakyMerge(SequentialMergeBatchNorm):
    """A canonizer that forgets to undo its merge, so the model is left changed."""

    def copy(self):
        return LeakyMerge()

    def remove(self):
        pass


def test_gradient_attribution_reports_a_canonizer_that_is_not_undone():
    model, x = convnet(seed=3)
    result = gradient_attribution(model, x, LayerMapComposite(layer_map=[], canonizers=[LeakyMerge()]))
    assert not result.model_unchanged


def test_inputs_on_another_device_than_the_model_get_a_clear_error():
    """CPU features for a model elsewhere (a GPU; here the meta device) fail before zennit runs."""
    model = convnet()[0].to("meta")
    with pytest.raises(ValueError, match="inputs are on cpu, the model on meta"):
        composites.explain(model, torch.randn(2, 16, 32), composites.epsilon_plus_composite())
