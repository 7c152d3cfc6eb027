"""From-scratch LRP (xaiaudio.explain.lrp) against zennit (xaiaudio.explain.composites): agreement,
conservation and stability, for every LRP method of the registry."""

from collections import OrderedDict

import pytest
import torch
from torch import nn

import xaiaudio  # noqa: F401  (before zennit: torchvision shim)
from xaiaudio.explain import lrp
from xaiaudio.explain.registry import lrp_methods, method_by_slug
from xaiaudio.models.convnet import PlayingTechniqueConvNet, randomise_batchnorm

RULES = sorted(method.slug for method in lrp_methods())


def scratch(model, x, slug, **kwargs):
    return method_by_slug(slug).from_scratch(model, x, **kwargs)


def zennit_lrp(model, x, slug, **kwargs):
    return method_by_slug(slug).zennit(model, x, **kwargs)


SEEDS = [0, 1, 2]
#: Seeds whose bias-free networks are alive on positive inputs (bias-free conv seed 2 has a dead dense layer).
ALIVE_SEEDS = [0, 1, 3]


def random_dense_net(seed: int, bias: bool = True, batchnorm: bool = True) -> nn.Sequential:
    """A random ReLU MLP, optionally with an input BN and a BN after each hidden Linear."""
    g = torch.Generator().manual_seed(seed)
    widths = [int(w) for w in torch.randint(6, 13, (4,), generator=g)]
    layers = [nn.BatchNorm1d(widths[0])] if batchnorm else []
    for n_in, n_out in zip(widths[:-2], widths[1:-1]):
        layers.append(nn.Linear(n_in, n_out, bias=bias))
        if batchnorm:
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(nn.ReLU())
    layers.append(nn.Linear(widths[-2], widths[-1], bias=bias))
    return _init(nn.Sequential(*layers), g)


def random_conv_net(seed: int, bias: bool = True, batchnorm: bool = True) -> nn.Sequential:
    """A random Conv1d / AvgPool1d / global pool / Dropout / Linear network with nested named blocks."""
    g = torch.Generator().manual_seed(seed)
    channels = [int(c) for c in torch.randint(4, 9, (3,), generator=g)]
    kernels = [int(k) for k in torch.randint(1, 4, (2,), generator=g) * 2 + 1]

    def block(n_in, n_out, k, pool):
        parts = OrderedDict(conv=nn.Conv1d(n_in, n_out, k, padding="same", bias=bias))
        if batchnorm:
            parts["norm"] = nn.BatchNorm1d(n_out)
        parts["relu"] = nn.ReLU()
        if pool:
            parts["pool"] = nn.AvgPool1d(2)
        return nn.Sequential(parts)

    layers = OrderedDict()
    if batchnorm:
        layers["input_norm"] = nn.BatchNorm1d(channels[0])
    layers["block1"] = block(channels[0], channels[1], kernels[0], pool=True)
    layers["block2"] = block(channels[1], channels[2], kernels[1], pool=False)
    layers["global_pool"] = nn.AdaptiveAvgPool1d(1)
    layers["flatten"] = nn.Flatten(1)
    layers["dropout"] = nn.Dropout(0.5)
    layers["dense"] = nn.Linear(channels[2], 6, bias=bias)
    layers["relu"] = nn.ReLU()
    layers["classifier"] = nn.Linear(6, 3, bias=bias)
    return _init(nn.Sequential(layers), g)


def _init(model: nn.Module, g: torch.Generator) -> nn.Module:
    """Random weights, small random biases, non-trivial BN statistics; float64, eval mode."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") and p.ndim == 1 and not _is_bn_param(model, name):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif p.ndim > 1:
                p.copy_(torch.randn(p.shape, generator=g) / p[0].numel() ** 0.5)
    return randomise_batchnorm(model, g).double().eval()


def _is_bn_param(model: nn.Module, name: str) -> bool:
    return isinstance(model.get_submodule(name.rsplit(".", 1)[0]), nn.BatchNorm1d)


def input_for(model: nn.Module, seed: int, batch: int = 4, positive: bool = False) -> torch.Tensor:
    g = torch.Generator().manual_seed(100 + seed)
    first = lrp.leaf_layers(model)[0]
    n = first.num_features if isinstance(first, nn.BatchNorm1d) else first.in_features \
        if isinstance(first, nn.Linear) else first.in_channels
    shape = (batch, n) if isinstance(model[-1], nn.Linear) and not any(
        isinstance(m, nn.Conv1d) for m in model.modules()) else (batch, n, 11)
    x = torch.randn(shape, generator=g, dtype=torch.float64)
    return x.abs() if positive else x


def paper_net(n_paths: int = 74, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    return randomise_batchnorm(PlayingTechniqueConvNet(n_paths), g).double().eval()


def assert_relevance_close(actual, expected, rtol=1e-4):
    """Equal within rtol relative to the largest relevance (zennit's merged BN is off by ~5e-6)."""
    scale = expected.abs().max().clamp(min=1e-30)
    torch.testing.assert_close(actual, expected, rtol=rtol, atol=rtol * float(scale))


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("make", [random_dense_net, random_conv_net])
def test_random_networks_match_zennit(make, seed, rule):
    model = make(seed)
    x = input_for(model, seed)
    expected = zennit_lrp(model, x, rule)
    actual = scratch(model, x, rule)
    assert actual.shape == x.shape
    assert expected.abs().max() > 0
    assert_relevance_close(actual, expected)


@pytest.mark.parametrize("rule", RULES)
def test_paper_convnet_matches_zennit(rule):
    model = paper_net(74)
    x = torch.randn(3, 74, 32, dtype=torch.float64)
    assert_relevance_close(scratch(model, x, rule), zennit_lrp(model, x, rule))


def test_paper_convnet_1200_paths_matches_zennit():
    model = paper_net(1200)
    x = torch.randn(1, 1200, 32, dtype=torch.float64)
    for rule in ("epsilon", "epsilon_plus"):
        assert_relevance_close(scratch(model, x, rule), zennit_lrp(model, x, rule))


def test_exact_match_when_bn_eps_is_zero():
    """zennit's merged BN computes x / sqrt(1 + eps); with eps = 0 both agree to rounding."""
    model = paper_net(74)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm1d):
            module.eps = 0.0
    x = torch.randn(2, 74, 32, dtype=torch.float64)
    assert_relevance_close(scratch(model, x, "epsilon"), zennit_lrp(model, x, "epsilon"), rtol=1e-12)


@pytest.mark.parametrize("target", [2, torch.tensor([0, 1, 2, 1])])
def test_explicit_target(target):
    model = random_conv_net(0)
    x = input_for(model, 0)
    expected = zennit_lrp(model, x, "epsilon_plus", target=target)
    assert_relevance_close(scratch(model, x, "epsilon_plus", target=target), expected)
    default = zennit_lrp(model, x, "epsilon_plus")
    predicted = model(x).argmax(1)
    chosen = torch.as_tensor(target).expand(4)
    differs = predicted != chosen
    assert differs.any()
    assert not torch.allclose(expected[differs], default[differs])


@pytest.mark.parametrize("seed", ALIVE_SEEDS)
@pytest.mark.parametrize("make", [random_dense_net, random_conv_net])
@pytest.mark.parametrize("rule", ["lrp0", "zplus"])
def test_conservation_bias_free(make, seed, rule):
    model = make(seed, bias=False, batchnorm=False)
    x = input_for(model, seed, batch=64, positive=True)
    explained = model(x).max(1).values
    # the stabiliser (1e-6) absorbs relevance ~ 1e-6 / z (z+ >= z when z > 0): skip tiny or negative outputs
    keep = explained > 1e-2
    assert keep.sum() >= 3
    for implementation in (scratch, zennit_lrp):
        totals = implementation(model, x, rule).flatten(1).sum(1)[keep]
        torch.testing.assert_close(totals, torch.ones_like(totals), rtol=0, atol=1e-4)
    totals = scratch(model, x, rule, seed="output").flatten(1).sum(1)
    torch.testing.assert_close(totals[keep], explained[keep], rtol=1e-4, atol=0)


def test_epsilon_with_biases_is_not_conservative():
    model = random_dense_net(0, bias=True, batchnorm=False)
    x = input_for(model, 0)
    totals = scratch(model, x, "epsilon").sum(1)
    assert (totals - 1).abs().max() > 1e-3


@pytest.mark.parametrize("seed", SEEDS)
def test_lrp0_is_gradient_times_input_without_biases(seed):
    model = random_conv_net(seed, bias=False, batchnorm=False)
    x = input_for(model, seed).requires_grad_()
    output = model(x)
    target = output.argmax(1)
    (gradient,) = torch.autograd.grad(output.gather(1, target[:, None]).sum(), x)
    relevance = scratch(model, x, "lrp0", seed="output")
    torch.testing.assert_close(relevance, (gradient * x).detach(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("rule", RULES)
def test_finite_for_zero_input(rule):
    for model in (paper_net(74), random_conv_net(1, bias=False, batchnorm=False)):
        x = torch.zeros(2, lrp.leaf_layers(model)[0].num_features if isinstance(
            lrp.leaf_layers(model)[0], nn.BatchNorm1d) else lrp.leaf_layers(model)[0].in_channels, 32,
            dtype=torch.float64)
        for implementation in (scratch, zennit_lrp):
            assert torch.isfinite(implementation(model, x, rule)).all()


@pytest.mark.parametrize("rule", RULES)
def test_finite_for_dead_network(rule):
    model = paper_net(74)
    with torch.no_grad():
        model.dense.linear.bias.fill_(-1e3)  # every dense ReLU is zero
        model.classifier.bias.zero_()        # so every logit is exactly 0
    x = torch.randn(2, 74, 32, dtype=torch.float64)
    assert (model(x) == 0).all()
    for implementation in (scratch, zennit_lrp):
        relevance = implementation(model, x, rule)
        assert torch.isfinite(relevance).all()
        assert (relevance == 0).all()


def test_merge_batchnorm_is_equivalent_and_leaves_model_alone():
    model = paper_net(74)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    merged = lrp.merge_batchnorm(model)
    x = torch.randn(3, 74, 32, dtype=torch.float64)
    torch.testing.assert_close(merged(x), model(x), rtol=1e-10, atol=1e-12)
    n_bn = sum(isinstance(m, nn.BatchNorm1d) for m in merged)
    assert n_bn == 1 and isinstance(merged[0], nn.BatchNorm1d)  # only the input BN stays
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_root_point_and_link_matrix():
    torch.manual_seed(0)
    w, b, y = torch.tensor([1.0, -0.6]), -0.2, torch.tensor([0.9, 0.3])
    for rule in ("0", "zplus"):
        root = lrp.root_point(w, b, y, lrp.search_direction(w, y, rule))
        assert abs(float(w @ root + b)) < 1e-6
    layer = nn.Linear(5, 3, bias=False)
    y = torch.rand(5)
    z = layer(y).detach()
    for rule in ("0", "zplus"):
        links = lrp.link_matrix(layer.weight.detach(), y, z.clamp(min=0), rule)
        torch.testing.assert_close(links.sum(0), z.clamp(min=0))
    # LRP-0 link matrix rows give the Epsilon rule's relevance when the layer has no bias
    r = torch.rand(3)
    lower = lrp.Epsilon(lrp.LRP0_EPSILON)(layer, y[None], r[None])[0]
    torch.testing.assert_close(lrp.link_matrix(layer.weight.detach(), y, r).sum(1), lower)
