"""Every config under configs/ builds, keeps the paper's settings, and each
backbone family trains one step.

Full-size models are built with their parameters and buffers on the meta
device (no memory, no initialisation cost) and run on a meta 224 x 224
batch, which checks every shape from the input to the 24 scores. One real
forward/backward/optimizer step per family runs on a shrunk copy (fewer
blocks, a small input) through ``--cfg-options``-style overrides.
"""
import contextlib
import copy
import functools
import glob
import os.path as osp
import re

import pytest
import torch
import torch.nn as nn
import yaml
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmscl  # noqa: F401
from conftest import CONFIGS, assert_baseline_of, without

BACKBONES = ('vit-s', 'vit-l', 'davit-s', 'davit-l', 'swin-s', 'swin-l',
             'resnet34', 'resnet50')
# Table 1 of the paper: the timm models.
TIMM_MODELS = {
    'vit-s': 'vit_small_patch8_224',
    'vit-l': 'vit_large_patch14_224',
    'davit-s': 'davit_small',
    'davit-l': 'davit_large',
    'swin-s': 'swin_small_patch4_window7_224',
    'swin-l': 'swin_large_patch4_window7_224',
    'resnet34': 'resnet34',
    'resnet50': 'resnet50',
}

ALL_CONFIGS = sorted(
    osp.relpath(path, CONFIGS)
    for path in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
    # comparison/ (Table 2) has no backbone-neck-head: tested in
    # test_comparison_models.py.
    if not osp.relpath(path, CONFIGS).startswith(('_base_', 'comparison')))


@functools.lru_cache(maxsize=None)
def _load(rel_path):
    return Config.fromfile(osp.join(CONFIGS, rel_path))


def load(rel_path):
    return copy.deepcopy(_load(rel_path))


@contextlib.contextmanager
def parameters_on_meta():
    """Register every parameter and buffer on the meta device.

    Unlike ``with torch.device('meta')``, tensors that are not parameters
    or buffers stay real, which MMPretrain's backbones need in their
    constructors (``torch.linspace(...).item()``).
    """
    register_parameter = nn.Module.register_parameter
    register_buffer = nn.Module.register_buffer

    def parameter_on_meta(module, name, param):
        if param is not None:
            param = nn.Parameter(param.to('meta'), param.requires_grad)
        register_parameter(module, name, param)

    def buffer_on_meta(module, name, tensor, persistent=True):
        if tensor is not None:
            tensor = tensor.to('meta')
        register_buffer(module, name, tensor, persistent)

    nn.Module.register_parameter = parameter_on_meta
    nn.Module.register_buffer = buffer_on_meta
    try:
        yield
    finally:
        nn.Module.register_parameter = register_parameter
        nn.Module.register_buffer = register_buffer


_META_RESULTS = {}


def input_size(cfg):
    """The side of the images the test pipeline feeds the model."""
    for transform in cfg.test_dataloader.dataset.pipeline:
        if transform.type == 'Letterbox':
            return transform.scale
    raise AssertionError('no Letterbox in the test pipeline')


def meta_build(model_cfg, size=224):
    """(number of parameters, shape of the scores of a 2 x 1 x size x size
    batch) of the full-size model, cached by config."""
    key = (repr(model_cfg.to_dict()), size)
    if key not in _META_RESULTS:
        with parameters_on_meta():
            model = MODELS.build(model_cfg)
        scores = model(
            torch.empty(2, 1, size, size, device='meta'), mode='tensor')
        _META_RESULTS[key] = (sum(p.numel() for p in model.parameters()),
                              tuple(scores.shape))
    return _META_RESULTS[key]


@pytest.mark.parametrize('rel_path', ALL_CONFIGS)
def test_config_builds_at_full_size(rel_path):
    cfg = load(rel_path)
    assert cfg.model.backbone.in_channels == 1
    assert cfg.data_preprocessor.num_classes == 24
    assert cfg.model.head.num_classes == 24
    _, score_shape = meta_build(cfg.model, input_size(cfg))
    assert score_shape == (2, 24)


def test_every_backbone_has_all_configs():
    expected = set()
    for b in BACKBONES:
        expected |= {
            f'scl/{b}_ogh.py', f'scl/{b}_ogh_chrmnet.py',
            f'baseline/{b}_ogh.py', f'baseline/{b}_ogh_chrmnet.py',
            f'scl/mmpretrain/{b}_ogh.py'
        }
    assert expected <= set(ALL_CONFIGS)


@pytest.mark.parametrize('backbone', BACKBONES)
def test_table1_configs_are_the_papers(backbone):
    scl = load(f'scl/{backbone}_ogh.py')
    model = scl.model
    assert model.backbone.type == 'TIMMBackbone'
    assert model.backbone.model_name == TIMM_MODELS[backbone]
    assert model.backbone.pretrained is False
    assert model.head.type == 'SCLHead'
    assert model.head.embed_dim == 1024
    assert model.head.loss == dict(
        type='SoftmaxFocalLoss', gamma=2.0, loss_weight=1.0)
    con = model.head.contrastive_loss
    assert con.type == 'PairedContrastiveLoss'
    assert con.loss_weight == 1.0 and con.gamma == 2.0
    assert con.gather_distributed is False
    # Adam, lr 1e-5, 200 epochs x 2000 steps of 2 x 24 crops of 224 px.
    assert scl.optim_wrapper.optimizer.type == 'Adam'
    assert scl.optim_wrapper.optimizer.lr == 1e-5
    assert scl.train_cfg.max_iters == 400000
    assert scl.train_dataloader.batch_size is None
    assert scl.train_dataloader.sampler == dict(
        type='PairedTypeSampler', steps_per_epoch=2000)
    assert scl.train_dataloader.batch_sampler == dict(
        type='PairedTypeBatchSampler')
    assert scl.test_dataloader.dataset.data_root == 'data/ogh/'
    assert scl.test_dataloader.dataset.ann_file == 'test.json'

    # The baseline differs only by the contrastive loss and the sampler.
    baseline = load(f'baseline/{backbone}_ogh.py')
    assert_baseline_of(scl, baseline)


@pytest.mark.parametrize('kind', ['scl', 'baseline'])
@pytest.mark.parametrize('backbone', BACKBONES)
def test_chrmnet_config_only_changes_the_test_set(kind, backbone):
    train = load(f'{kind}/{backbone}_ogh.py')
    chrmnet = load(f'{kind}/{backbone}_ogh_chrmnet.py')
    dataset = chrmnet.test_dataloader.dataset
    assert dataset.data_root == 'data/chrmnet/'
    assert dataset.folder_naming == 'zero_based'
    assert dataset.ann_file == ''  # the class folders, not train's JSON
    # No setting of that lab: the training config's own test pipeline.
    assert dataset.pipeline == train.test_dataloader.dataset.pipeline
    # Crop metrics only: class folders have no cells to karyotype.
    assert [e.type for e in chrmnet.test_evaluator] == ['ChromosomeMetric']
    test_keys = ('test_dataloader', 'test_evaluator')
    helpers = [k for k in chrmnet if k not in train]
    assert without(chrmnet, *test_keys, *helpers) == without(train, *test_keys)


@pytest.mark.parametrize('backbone', BACKBONES)
def test_mmpretrain_backbones_match_timm(backbone):
    """The MMPretrain-native configs build the same architectures: same
    number of parameters, same training settings."""
    timm_cfg = load(f'scl/{backbone}_ogh.py')
    native_cfg = load(f'scl/mmpretrain/{backbone}_ogh.py')
    assert meta_build(native_cfg.model) == meta_build(timm_cfg.model)
    assert without(native_cfg, 'model') == without(timm_cfg, 'model')


def test_metafile_lists_table1_with_checked_parameters():
    with open(osp.join(CONFIGS, 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    # Table 2's models: tests/test_comparison_models.py.
    configs = {
        m['Config']: m
        for m in models if m['In Collection'] != 'Comparison'
    }
    assert set(configs) == {
        f'configs/{kind}/{b}_ogh.py'
        for kind in ('scl', 'baseline')
        for b in BACKBONES
    }
    for path, entry in configs.items():
        cfg = load(osp.relpath(path, 'configs'))
        num_params, _ = meta_build(cfg.model)
        assert entry['Metadata']['Parameters'] == num_params, path
        assert [r['Dataset']
                for r in entry['Results']] == ['OGH-Fudan', 'ChrmNet']
    # Table 1, Swin-L with SCL: 96.33 / 95.71 / 99.88, ChrmNet 87.32 / ...
    metrics = configs['configs/scl/swin-l_ogh.py']['Results']
    assert metrics[0]['Metrics'] == {
        'Top 1 Accuracy': 96.33,
        'Recall': 95.71,
        'AUC': 99.88
    }
    assert metrics[1]['Metrics']['Top 1 Accuracy'] == 87.32

    # The Table 1 of configs/README.md gives the same numbers.
    with open(osp.join(CONFIGS, 'README.md')) as f:
        table1 = f.read().split('## Table 1')[1].split('\n## ')[0]
    rows = {
        re.search(r'\]\((\w+/[\w.-]+\.py)\)', line).group(1): line
        for line in table1.splitlines()
        if re.search(r'\]\(\w+/[\w.-]+_ogh\.py\)', line)
    }
    assert set(rows) == {osp.relpath(path, 'configs') for path in configs}
    for path, entry in configs.items():
        numbers = [
            float(x) for x in re.findall(r'(\d+\.\d\d)', rows[osp.relpath(
                path, 'configs')])
        ]
        assert numbers == [
            result['Metrics'][key] for result in entry['Results']
            for key in ('Top 1 Accuracy', 'Recall', 'AUC')
        ], path


# Shrunk copies of each family: (config, overrides, input size).
SMALL_ARCH = dict(embed_dims=32, depths=[1, 1, 1, 1], num_heads=[1, 2, 4, 8])
FAMILIES = {
    'timm-resnet': ('scl/resnet34_ogh.py', {
        'model.backbone.layers': (1, 1, 1, 1)
    }, 32),
    'timm-vit': ('scl/vit-s_ogh.py', {
        'model.backbone.depth': 2,
        'model.backbone.img_size': 32
    }, 32),
    'timm-swin': ('scl/swin-s_ogh.py', {
        'model.backbone.depths': (1, 1, 1, 1),
        'model.backbone.embed_dim': 32,
        'model.backbone.num_heads': (1, 2, 4, 8),
        'model.backbone.img_size': 64,
        'model.head.in_channels': 256
    }, 64),
    'timm-davit': ('scl/davit-s_ogh.py', {
        'model.backbone.depths': (1, 1, 1, 1),
        'model.backbone.embed_dims': (32, 64, 128, 256),
        'model.backbone.num_heads': (1, 2, 4, 8),
        'model.head.in_channels': 256
    }, 64),
    'mmpretrain-resnet': ('scl/mmpretrain/resnet34_ogh.py', {
        'model.backbone.depth': 18
    }, 32),
    'mmpretrain-vit': ('scl/mmpretrain/vit-s_ogh.py', {
        'model.backbone.arch':
        dict(
            embed_dims=384,
            num_layers=2,
            num_heads=6,
            feedforward_channels=1536),
        'model.backbone.img_size':
        32
    }, 32),
    'mmpretrain-swin': ('scl/mmpretrain/swin-s_ogh.py', {
        'model.backbone.arch': SMALL_ARCH,
        'model.backbone.img_size': 64,
        'model.backbone.window_size': 2,
        'model.head.in_channels': 256
    }, 64),
    'mmpretrain-davit': ('scl/mmpretrain/davit-s_ogh.py', {
        'model.backbone.arch': SMALL_ARCH,
        'model.backbone.window_size': 2,
        'model.head.in_channels': 256
    }, 64),
}


def build_shrunk(rel_path, overrides):
    cfg = load(rel_path)
    overrides = dict(overrides)
    # An arch given by name in the config is replaced, not merged.
    arch = overrides.pop('model.backbone.arch', None)
    cfg.merge_from_dict(overrides)
    if arch is not None:
        cfg.model.backbone.arch = arch
    torch.manual_seed(0)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    return cfg, model


def paired_batch(size, num_types=4):
    """Two halves of ``num_types`` types, as PairedTypeSampler lays out."""
    labels = list(range(num_types)) * 2
    return dict(
        inputs=[
            torch.randint(0, 256, (1, size, size), dtype=torch.uint8)
            for _ in labels
        ],
        data_samples=[DataSample().set_gt_label(label) for label in labels])


@pytest.mark.parametrize('family', FAMILIES)
def test_family_trains_one_step(family):
    rel_path, overrides, size = FAMILIES[family]
    cfg, model = build_shrunk(rel_path, overrides)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    # The input layer, the head and the temperature all learn.
    watched = [
        next(model.backbone.parameters()), model.head.embedding.weight,
        model.head.classifier[-1].weight, model.head.logit_scale
    ]
    before = [p.detach().clone() for p in watched]
    log = model.train_step(paired_batch(size), optim_wrapper)
    assert set(log) == {'loss', 'loss_cls', 'loss_con', 'logit_scale'}
    assert all(torch.isfinite(v) for v in log.values())
    for param, old in zip(watched, before):
        assert not torch.equal(param.detach(), old)


def test_baseline_trains_without_contrastive_loss():
    cfg, model = build_shrunk('baseline/vit-s_ogh.py', FAMILIES['timm-vit'][1])
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    log = model.train_step(paired_batch(32), optim_wrapper)
    assert set(log) == {'loss', 'loss_cls'}


def test_temperature_is_not_weight_decayed():
    cfg, model = build_shrunk('scl/vit-s_ogh.py', FAMILIES['timm-vit'][1])
    cfg.optim_wrapper.optimizer.weight_decay = 0.05
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {
        id(p): group['weight_decay']
        for group in optim_wrapper.optimizer.param_groups
        for p in group['params']
    }
    assert decay[id(model.head.logit_scale)] == 0.
    assert decay[id(model.head.embedding.weight)] == 0.05


def test_timm_weights_from_a_local_file(tmp_path):
    """The documented way to start from local timm weights (RGB, 1000
    classes) without any download: pretrained=True with a file overlay."""
    import timm
    overrides = {'model.backbone.depth': 1, 'model.backbone.img_size': 32}
    rgb = timm.create_model('vit_small_patch8_224', depth=1, img_size=32)
    path = str(tmp_path / 'vit_s8.pth')
    torch.save(rgb.state_dict(), path)
    overrides.update({
        'model.backbone.pretrained': True,
        'model.backbone.pretrained_cfg_overlay': dict(file=path),
    })
    _, model = build_shrunk('scl/vit-s_ogh.py', overrides)
    loaded = model.backbone.timm_model
    # timm sums the RGB filters of the first layer for a gray input.
    torch.testing.assert_close(
        loaded.patch_embed.proj.weight,
        rgb.patch_embed.proj.weight.sum(dim=1, keepdim=True))
    torch.testing.assert_close(loaded.blocks[0].attn.qkv.weight,
                               rgb.blocks[0].attn.qkv.weight)


def test_backbone_init_cfg_from_a_local_checkpoint(tmp_path):
    """The documented way to start an MMPretrain backbone from a checkpoint
    (e.g. one of these runs): backbone.init_cfg of type Pretrained."""
    arch = FAMILIES['mmpretrain-vit'][1]
    _, trained = build_shrunk('scl/mmpretrain/vit-s_ogh.py', arch)
    path = str(tmp_path / 'trained.pth')
    torch.save({'state_dict': trained.state_dict()}, path)
    torch.manual_seed(1)
    _, model = build_shrunk(
        'scl/mmpretrain/vit-s_ogh.py', {
            **arch, 'model.backbone.init_cfg':
            dict(type='Pretrained', checkpoint=path, prefix='backbone.')
        })
    model.init_weights()
    for name, param in model.backbone.state_dict().items():
        torch.testing.assert_close(param, trained.backbone.state_dict()[name])
