"""Mixed precision: the SCL head computes its losses in float32."""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmscl  # noqa: F401
from conftest import CONFIGS


def paired_samples(num_types):
    return [DataSample().set_gt_label(k) for k in list(range(num_types)) * 2]


def test_head_losses_are_float32_under_autocast():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(
            type='SCLHead',
            num_classes=24,
            in_channels=64,
            embed_dim=32,
            hidden_channels=32))
    feats = (torch.randn(48, 64), )
    samples = paired_samples(24)
    reference = head.loss(feats, samples)

    embed_dtypes = []
    head.embedding.register_forward_hook(
        lambda module, args, out: embed_dtypes.append(out.dtype))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = head.loss(feats, samples)
    assert embed_dtypes == [torch.bfloat16]  # autocast is really on
    for key in ('loss_cls', 'loss_con', 'logit_scale'):
        assert losses[key].dtype == torch.float32, key
        torch.testing.assert_close(
            losses[key], reference[key], rtol=2e-2, atol=0.)
    (losses['loss_cls'] + losses['loss_con']).backward()
    assert head.logit_scale.grad.dtype == torch.float32
    assert torch.isfinite(head.logit_scale.grad)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
@pytest.mark.parametrize('dtype', ['float16', 'bfloat16'])
def test_amp_train_step_on_gpu(dtype):
    """What ``tools/train.py --amp`` runs: AmpOptimWrapper steps."""
    cfg = Config.fromfile(f'{CONFIGS}/scl/vit-s_ogh.py')
    cfg.merge_from_dict({
        'model.backbone.depth': 2,
        'model.backbone.img_size': 64
    })
    torch.manual_seed(0)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor)).cuda()
    optim_wrapper = build_optim_wrapper(
        model,
        dict(
            cfg.optim_wrapper,
            type='AmpOptimWrapper',
            dtype=dtype,
            loss_scale='dynamic'))
    data = dict(
        inputs=[
            torch.randint(0, 256, (1, 64, 64), dtype=torch.uint8)
            for _ in range(48)
        ],
        data_samples=paired_samples(24))
    scale_before = model.head.logit_scale.detach().clone()
    for _ in range(3):
        log = model.train_step(data, optim_wrapper)
    for key in ('loss_cls', 'loss_con'):
        assert log[key].dtype == torch.float32 and torch.isfinite(log[key])
    assert model.head.logit_scale.dtype == torch.float32
    assert not torch.equal(model.head.logit_scale.detach(), scale_before)
