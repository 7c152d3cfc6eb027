"""The paper's convnet: parameter counts, shapes, batch size 1, and explaining without side effects."""

import pytest
import torch
from torch import nn

import xaiaudio  # noqa: F401  (before zennit: torchvision shim)
from xaiaudio.explain.registry import lrp_methods, method_by_slug
from xaiaudio.models.convnet import PlayingTechniqueConvNet, randomise_batchnorm
from xaiaudio.models.size import count_parameters


@pytest.mark.parametrize("n_paths, expected", [(1200, 2_068_289), (74, 10_383)])
def test_parameter_counts(n_paths, expected):
    assert count_parameters(PlayingTechniqueConvNet(n_paths)) == expected


def test_layer_widths():
    model = PlayingTechniqueConvNet(1200)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs] == \
        [(1200, 150, 7), (150, 300, 5), (300, 600, 3)]
    assert all(c.bias is None and c.padding == "same" for c in convs)
    assert isinstance(model[0], nn.BatchNorm1d) and model.classifier.out_features == 5


@pytest.mark.parametrize("train", [False, True])
def test_batch_size_one(train):
    model = PlayingTechniqueConvNet(74).train(train)
    out = model(torch.randn(1, 74, 32))
    assert out.shape == (1, 5)


def test_output_shape_and_other_lengths():
    model = PlayingTechniqueConvNet(74, n_classes=3).eval()
    assert model(torch.randn(4, 74, 32)).shape == (4, 3)
    assert model(torch.randn(2, 74, 9)).shape == (2, 3)


def test_zennit_canonizer_merges_the_three_conv_batchnorms():
    from zennit.canonizers import SequentialMergeBatchNorm

    instances = SequentialMergeBatchNorm().apply(PlayingTechniqueConvNet(74))
    try:
        assert len(instances) == 3
        assert all(isinstance(i.linears[0], nn.Conv1d) for i in instances)
    finally:
        for instance in instances:
            instance.remove()


@pytest.mark.parametrize("rule", sorted(m.slug for m in lrp_methods()))
def test_explain_leaves_model_unchanged(rule):
    torch.manual_seed(0)
    model = randomise_batchnorm(PlayingTechniqueConvNet(74)).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(1, 74, 32)
    relevance = method_by_slug(rule).zennit(model, x)
    assert relevance.shape == x.shape and torch.isfinite(relevance).all()
    assert model.training
    state = model.state_dict()
    assert list(state) == list(before)
    assert all(torch.equal(before[k], state[k]) for k in before)
    assert all(m.bias is None for m in model.modules() if isinstance(m, nn.Conv1d))
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks and not module._backward_hooks
    model.eval()
    torch.testing.assert_close(method_by_slug(rule).zennit(model, x), relevance)
