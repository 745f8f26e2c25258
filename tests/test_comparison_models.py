"""The Table 2 comparison models (configs/comparison): Varifocal-Net and
HR-Net, their distinctive parts, and their configs through tools/train.py
and tools/test.py on a tiny set."""
import copy
import functools
import glob
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmscl  # noqa: F401
from conftest import CONFIGS
from mmscl.models.utils import foreground_boxes, zoom_crop
from mmscl.utils import set_input_size
from test_train_e2e import run_tool, scalars

MODELS_ = ('varifocal-net', 'hr-net')
KINDS = ('gband612', 'gband612_qband119', 'ogh', 'ogh_chrmnet')


@functools.lru_cache(maxsize=None)
def _load(rel_path):
    return Config.fromfile(osp.join(CONFIGS, rel_path))


def load(rel_path):
    return copy.deepcopy(_load(rel_path))


def batch(n=48, size=64, seed=0):
    """n dark-bar crops (normalised as the configs' preprocessor would)
    with types 0..23 in turn."""
    gen = torch.Generator().manual_seed(seed)
    images = torch.full((n, 1, size, size), 2.4)
    for i in range(n):
        length = size // 2 + i % 24 // 2
        top = int(torch.randint(0, size - length, (1, ), generator=gen))
        images[i, 0, top:top + length, size // 2 - 4:size // 2 + 4] = -1.
    samples = [DataSample().set_gt_label(i % 24) for i in range(n)]
    return images, samples


def build(rel_path, size=64, **model_options):
    """The model of a config with options of the model, or, given as
    ``backbone=dict(...)`` or ``head=dict(...)``, of its parts."""
    torch.manual_seed(0)  # the same initial weights in every run
    cfg = load(rel_path)
    set_input_size(cfg, size)
    for key, value in model_options.items():
        if key in ('backbone', 'head'):
            for name, setting in value.items():
                cfg.model[key][name] = setting  # replaced, not merged
        else:
            cfg.model[key] = value
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def grads(module):
    """Whether any parameter of the module got a nonzero gradient."""
    return any(p.grad is not None and bool(p.grad.abs().sum() > 0)
               for p in module.parameters())


# ---------------------------------------------------------------- configs


@pytest.mark.parametrize('model', MODELS_)
def test_configs_share_the_benchmark_settings(model):
    baseline = load('baseline/resnet18_gband612.py')
    cfg = load(f'comparison/{model}_gband612.py')
    assert cfg.input_size == baseline.input_size == 128
    assert cfg.reference_fraction == baseline.reference_fraction
    assert cfg.train_dataloader.batch_size == 48
    assert cfg.train_dataloader.sampler == dict(type='DefaultSampler',
                                                shuffle=True)
    assert cfg.train_dataloader.batch_sampler is None
    assert cfg.train_cfg == baseline.train_cfg
    assert cfg.optim_wrapper.optimizer == baseline.optim_wrapper.optimizer
    assert cfg.data_preprocessor == baseline.data_preprocessor
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert without_target(cfg[loader].dataset.pipeline) == \
            baseline[loader].dataset.pipeline
    assert cfg.model.head.num_classes == 24
    # --input-size reaches every Letterbox of the config.
    set_input_size(cfg, 64)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        [box] = [t for t in cfg[loader].dataset.pipeline
                 if t.type == 'Letterbox']
        assert box.scale == 64

    external = load(f'comparison/{model}_gband612_qband119.py')
    assert external.test_dataloader.dataset.data_root == 'data/qband119/'
    trained = load(f'comparison/{model}_gband612.py')
    assert external.test_dataloader.dataset.pipeline == \
        trained.test_dataloader.dataset.pipeline
    assert without(external, 'test_dataloader', 'qband119_test_dataloader') \
        == without(trained, 'test_dataloader')


def without_target(pipeline):
    """The pipeline without HR-Net's straightening target, whose flips come
    before the rotation (the target is taken between them), put back in
    the baseline's order (rotation first; the two commute)."""
    steps = [{k: v for k, v in t.items()
              if (k, v) != ('algorithm_keys', ['straight_img'])}
             for t in pipeline if t.type != 'CopyStraightTarget']
    types = [t['type'] for t in steps]
    if 'CopyStraightTarget' in [t.type for t in pipeline]:
        flip, rotate = types.index('RandomFlip'), types.index('RandomRotate')
        assert rotate == flip + 1
        steps[flip], steps[rotate] = steps[rotate], steps[flip]
    return steps


def without(cfg, *keys):
    return {k: v for k, v in cfg.to_dict().items() if k not in keys}


@pytest.mark.parametrize('model', MODELS_)
def test_ogh_configs_are_the_papers_setting(model):
    cfg = load(f'comparison/{model}_ogh.py')
    assert cfg.input_size == 224
    assert cfg.optim_wrapper.optimizer.lr == 1e-5
    assert cfg.train_cfg.max_iters == 400000
    assert cfg.train_dataloader.batch_size == 48
    chrmnet = load(f'comparison/{model}_ogh_chrmnet.py')
    assert chrmnet.test_dataloader.dataset.data_root == 'data/chrmnet/'
    assert chrmnet.train_dataloader == cfg.train_dataloader
    assert chrmnet.model == cfg.model


@pytest.mark.parametrize('rel_path', [
    f'comparison/{model}_{kind}.py' for model in MODELS_
    for kind in ('gband612', 'ogh')
])
def test_config_builds_at_full_size(rel_path):
    cfg = load(rel_path)
    model = MODELS.build(cfg.model).eval()
    size = cfg.input_size
    with torch.no_grad():
        logits = model(torch.zeros(2, 1, size, size), mode='tensor')
    assert logits.shape == (2, 24)


def test_readme_table2_gives_the_papers_numbers():
    """configs/README.md Table 2: the SCL paper's Table 2 beside each
    comparison config, as configs/metafile.yml lists them (with the
    parameters of the built models)."""
    import re

    import yaml
    with open(osp.join(CONFIGS, 'README.md')) as f:
        table2 = f.read().split('## Table 2')[1].split('\n## ')[0]
    rows = {
        re.search(r'\]\((\w+/[\w.-]+\.py)\)', line).group(1):
        [float(x) for x in re.findall(r'(\d+\.\d\d)', line)]
        for line in table2.splitlines() if line.startswith('| ')
        and re.search(r'\]\(\w+/[\w.-]+_ogh\.py\)', line)
    }
    with open(osp.join(CONFIGS, 'metafile.yml')) as f:
        entries = {
            osp.relpath(m['Config'], 'configs'): m
            for m in yaml.safe_load(f)['Models']
        }
    assert set(rows) == {
        'scl/swin-l_ogh.py', 'comparison/varifocal-net_ogh.py',
        'comparison/hr-net_ogh.py'
    }
    for path, numbers in rows.items():
        assert numbers == [
            result['Metrics'][key] for result in entries[path]['Results']
            for key in ('Top 1 Accuracy', 'Recall', 'AUC')
        ], path
    # Table 2 of the paper: Varifocal-Net 93.18 % on OGH-Fudan.
    assert rows['comparison/varifocal-net_ogh.py'][0] == 93.18
    for model in MODELS_:
        entry = entries[f'comparison/{model}_ogh.py']
        built = MODELS.build(load(f'comparison/{model}_ogh.py').model)
        assert entry['Metadata']['Parameters'] == sum(
            p.numel() for p in built.parameters()), model
    for path in rows:
        assert osp.isfile(osp.join(CONFIGS, path))


# ---------------------------------------------------------- varifocal zoom


def test_zoom_crop_takes_the_box_from_the_input():
    rng = np.random.default_rng(0)
    image = torch.from_numpy(rng.random((2, 1, 64, 48), np.float32))
    # Rows 8..39, columns 12..27 of image 0; rows 0..63, columns 0..47
    # (the whole image) of image 1.
    boxes = torch.tensor([[12 / 48, 8 / 64, 28 / 48, 40 / 64],
                          [0., 0., 1., 1.]])
    crops = zoom_crop(image, boxes, (32, 16))
    torch.testing.assert_close(crops[0], image[0, :, 8:40, 12:28])
    whole = zoom_crop(image[1:], boxes[1:], (64, 48))
    torch.testing.assert_close(whole[0], image[1])
    # Twice the resolution: every other pixel (on the half-pixel grid) is
    # the mean of two neighbours, so the crop's mean is the box's.
    zoomed = zoom_crop(image[:1], boxes[:1], (64, 32))
    assert zoomed.shape == (1, 1, 64, 32)
    inner = image[0, 0, 9:39, 13:27].mean()
    assert abs(zoomed[0, 0, 2:-2, 2:-2].mean() - inner) < 0.02


def test_zoom_crop_of_a_located_chromosome():
    """foreground_boxes finds a hand-made dark bar: the square on its long
    side, so that the crop is the bar at its own aspect."""
    image = torch.full((1, 1, 64, 64), 255.)
    image[0, 0, 10:50, 20:30] = torch.linspace(0, 120, 40)[:, None]
    box = foreground_boxes(image, margin=0.)
    torch.testing.assert_close(
        box, torch.tensor([[5 / 64, 10 / 64, 45 / 64, 50 / 64]]))
    crop = zoom_crop(image, box, (40, 40))
    torch.testing.assert_close(crop[0], image[0, :, 10:50, 5:45])
    # With a margin and a least side, the same centre.
    grown = foreground_boxes(image, margin=0.05, min_size=0.5)
    torch.testing.assert_close(
        grown, torch.tensor([[0.028125, 0.10625, 0.753125, 0.83125]]))
    # A square past the image's edge is shifted into it.
    edge = torch.full((1, 1, 64, 64), 255.)
    edge[0, 0, 10:50, 0:10] = 0.
    torch.testing.assert_close(
        foreground_boxes(edge, margin=0.),
        torch.tensor([[0., 10 / 64, 40 / 64, 50 / 64]]))
    # No contrast: the whole image.
    flat = foreground_boxes(torch.ones(1, 1, 8, 8))
    torch.testing.assert_close(flat, torch.tensor([[0., 0., 1., 1.]]))


def test_zoom_crop_moves_with_the_box():
    image = torch.linspace(0, 1, 32).expand(1, 1, 32, 32).contiguous()
    boxes = torch.tensor([[0.25, 0.25, 0.5, 0.5]], requires_grad=True)
    zoom_crop(image, boxes, 8).mean().backward()
    # Moving the box right raises the mean of a left-to-right ramp.
    assert boxes.grad[0, 0] > 0 and boxes.grad[0, 2] > 0
    assert torch.allclose(boxes.grad[0, [1, 3]], torch.zeros(2), atol=1e-6)
    with pytest.raises(ValueError, match='boxes must be'):
        zoom_crop(image, torch.zeros(2, 4), 8)


# ------------------------------------------------------------ Varifocal-Net


def test_varifocal_net_stages_forward_backward():
    model = build('comparison/varifocal-net_gband612.py')
    images, samples = batch()
    model.train()
    seen = {}
    for stage in model.train_stages:
        model.train_stage = stage
        model.zero_grad(set_to_none=True)
        losses = model(images, samples, mode='loss')
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        seen[stage] = dict(
            keys=set(losses),
            localizer=grads(model.backbone.localizer),
            global_backbone=grads(model.backbone.global_backbone),
            local_backbone=grads(model.backbone.local_backbone),
            ensemble=grads(model.head.ensemble_mlps))
        assert all(torch.isfinite(v) for v in losses.values())
    assert seen['supervised']['keys'] == {
        'loss_cls_global', 'loss_cls_local', 'loss_box', 'box_area',
        'loss_cls_ensemble'}
    assert seen['weakly_supervised']['keys'] == {
        'loss_cls_global', 'loss_cls_local', 'box_area', 'loss_cls_ensemble'}
    assert seen['ensemble']['keys'] == {'loss_cls_ensemble'}
    for stage in ('supervised', 'weakly_supervised'):
        assert all(seen[stage].values())
    assert seen['ensemble'] == dict(
        keys={'loss_cls_ensemble'}, localizer=False, global_backbone=False,
        local_backbone=False, ensemble=True)
    # The ensemble stage leaves the BatchNorm statistics alone too.
    assert not model.backbone.global_backbone.training

    model.eval()
    with torch.no_grad():
        preds = model(images[:4], copy.deepcopy(samples[:4]), mode='predict')
        logits = model(images[:4], mode='tensor')
    assert logits.shape == (4, 24)
    for pred, row in zip(preds, logits.softmax(1)):
        torch.testing.assert_close(pred.pred_score, row)
        assert pred.pred_label.item() == row.argmax().item()


def test_varifocal_net_box_gradient_only_when_weakly_supervised():
    """The supervised stage trains the box on its target only: without the
    box loss the localisation subnet gets no gradient from the L-Net."""
    model = build('comparison/varifocal-net_gband612.py', loss_box_weight=0.)
    images, samples = batch(n=8)
    for stage, expected in (('supervised', False),
                            ('weakly_supervised', True)):
        model.train_stage = stage
        model.zero_grad(set_to_none=True)
        losses = model(images, samples, mode='loss')
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        assert grads(model.backbone.localizer) is expected, stage


def test_varifocal_net_box_learns_the_chromosome_box():
    """A few supervised steps move the boxes towards the bars."""
    model = build('comparison/varifocal-net_gband612.py')
    images, samples = batch(n=24)
    params = list(model.backbone.global_backbone.parameters()) + list(
        model.backbone.localizer.parameters())
    optim = torch.optim.Adam(params, lr=1e-3)
    errors = []
    for _ in range(20):
        losses = model(images, samples, mode='loss')
        optim.zero_grad()
        losses['loss_box'].backward()
        optim.step()
        errors.append(losses['loss_box'].item())
    assert errors[-1] < 0.5 * errors[0], errors


def test_varifocal_net_polarity_head():
    model = build('comparison/varifocal-net_gband612.py',
                  head=dict(num_polarities=2, hidden_channels=64))
    images, samples = batch(n=4)
    with pytest.raises(ValueError, match='gt_polarity.*num_polarities=2'):
        model(images, samples, mode='loss')
    for i, sample in enumerate(samples):
        sample.set_field(torch.tensor(i % 2), 'gt_polarity')
    losses = model(images, samples, mode='loss')
    assert {'loss_polarity_global', 'loss_polarity_local',
            'loss_polarity_ensemble'} <= set(losses)
    model.eval()
    [pred] = model(images[:1], mode='predict')
    assert pred.pred_polarity_score.shape == (2, )
    assert pred.pred_polarity in (0, 1)


@pytest.mark.parametrize('options, message', [
    (dict(backbone=dict(zoom_size=0)), 'zoom_size=0'),
    (dict(backbone=dict(global_scale=2.)), 'global_scale=2.0'),
    (dict(head=dict(num_polarities=1)), 'num_polarities=1'),
    (dict(train_stage='pretrain'), "train_stage='pretrain'"),
    (dict(backbone=dict(local_backbone=dict(type='VGG', depth=11))),
     'local_backbone must'),
    (dict(backbone=dict(localizer=dict(type='BoxLocalizer', min_size=1.))),
     'min_size=1.0'),
])
def test_varifocal_net_bad_settings(options, message):
    with pytest.raises(ValueError, match=message):
        build('comparison/varifocal-net_gband612.py', **options)


def test_varifocal_net_channels_follow_the_backbones_out_indices():
    """The ensemble's width comes from the built ResNets' out_indices."""
    model = build('comparison/varifocal-net_gband612.py',
                  backbone=dict(local_backbone=dict(
                      type='ResNet', depth=18, in_channels=1,
                      out_indices=(1, 3))))
    assert model.backbone.global_channels == (256, 512)
    assert model.backbone.local_channels == (128, 512)
    assert model.head.ensemble_mlps['cls'][0].in_features == \
        256 + 512 + 128 + 512
    losses = model(*batch(n=2), mode='loss')
    assert torch.isfinite(losses['loss_cls_ensemble'])


@pytest.mark.parametrize('stages, message', [
    ([], 'non-empty list'),
    ([dict(stage='supervised', begin=0.5)], 'start at 0'),
    ([dict(stage='supervised', begin=0.),
      dict(stage='ensemble', begin=1.)], 'within'),
    ([dict(stage='supervised', start=0.)], 'dict\\(stage=..., begin=...\\)'),
])
def test_train_stage_hook_bad_stages(stages, message):
    from mmscl.engine.hooks.train_stage_hook import TrainStageHook
    with pytest.raises(ValueError, match=message):
        TrainStageHook(stages)


# ------------------------------------------------------------------ HR-Net


def bent_and_straight(n=8, size=64):
    """Toy pairs: a bar bent into an L (input, normalised) and the same
    length of bar straight and upright (target, [0, 1], white = 1)."""
    images = torch.full((n, 1, size, size), 2.4)
    targets = torch.ones(n, 1, size, size)
    for i in range(n):
        length = 24 + 2 * i
        arm = length // 2
        top = (size - length) // 2
        images[i, 0, 8:8 + arm, 20:26] = -1.
        images[i, 0, 8 + arm - 6:8 + arm, 20:20 + length - arm] = -1.
        targets[i, 0, top:top + length, 29:35] = 0.2
    return images, targets


def test_hr_net_straightening_branch_learns_a_toy_case():
    model = build('comparison/hr-net_gband612.py')
    images, targets = bent_and_straight()
    samples = [DataSample().set_gt_label(i) for i in range(len(targets))]
    for sample, target in zip(samples, targets):
        sample.set_field(target, 'straight_img')
    model.train()
    assert model.straighten(images).shape == targets.shape
    optim = torch.optim.Adam(model.parameters(), lr=1e-3)
    errors = []
    for _ in range(10):
        losses = model(images, samples, mode='loss')
        optim.zero_grad()
        (losses['loss_cls'] + losses['loss_straight']).backward()
        optim.step()
        errors.append(losses['loss_straight'].item())
    assert errors[-1] < 0.5 * errors[0], errors


def test_hr_net_forward_backward_with_and_without_targets():
    model = build('comparison/hr-net_gband612.py')
    images, samples = batch()
    model.train()
    losses = model(images, samples, mode='loss')
    assert set(losses) == {'loss_cls'}
    losses['loss_cls'].backward()
    assert grads(model.backbone.cls_backbone) and grads(model.head)
    # Exchanged both ways: the straightening encoder feeds the classifier.
    assert grads(model.backbone.straight_backbone) and grads(
        model.backbone.to_cls)
    assert not grads(model.backbone.to_image)

    model.zero_grad(set_to_none=True)
    targets = torch.rand(3, 1, 64, 64)
    for sample, target in zip(samples[:3], targets):
        sample.set_field(target, 'straight_img')
    losses = model(images, samples, mode='loss')
    straight = model.straighten(images)[:3]
    # Only the three samples with a target count (train mode: BatchNorm
    # of the same batch, so the same output).
    torch.testing.assert_close(losses['loss_straight'],
                               torch.nn.functional.mse_loss(straight, targets))
    losses['loss_straight'].backward()
    assert grads(model.backbone.to_image)

    samples[0].set_field(torch.rand(1, 32, 32), 'straight_img')
    with pytest.raises(ValueError,
                       match=r'straight_img of shape \(1, 32, 32\)'):
        model(images, samples, mode='loss')

    model.eval()
    with torch.no_grad():
        preds = model(images[:4], mode='predict')
        logits = model(images[:4], mode='tensor')
    assert logits.shape == (4, 24)
    for pred, row in zip(preds, logits.softmax(1)):
        torch.testing.assert_close(pred.pred_score, row)


@pytest.mark.parametrize('options, message', [
    (dict(backbone=dict(cls_backbone=dict(type='LeNet5'))),
     'cls_backbone must be an MMPretrain ResNet'),
    (dict(backbone=dict(straight_backbone=dict(
        type='ResNet', depth=18, in_channels=1, num_stages=3,
        out_indices=(2, ), strides=(1, 2, 2), dilations=(1, 1, 1)))),
     'as many stages'),
    (dict(backbone=dict(decoder_channels=0)), 'decoder_channels=0'),
])
def test_hr_net_bad_settings(options, message):
    with pytest.raises(ValueError, match=message):
        build('comparison/hr-net_gband612.py', **options)


def test_copy_straight_target_is_the_crop_before_the_augmentation():
    from mmcv.transforms import Compose
    from mmengine.registry import DefaultScope
    cfg = load('comparison/hr-net_gband612.py')
    set_input_size(cfg, 64)
    pipeline = [t for t in cfg.train_dataloader.dataset.pipeline
                if t.type not in ('LoadChromosomeImage', 'NormalizeStain',
                                  'RandomContrastGamma')]
    img = np.full((40, 16), 255, np.uint8)
    img[2:38, 5:11] = 60
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        packed = Compose(pipeline)(dict(
            img=img, ref_lengths=dict(cell=18., patient=18., dataset=18.),
            ref_levels=dict(cell='cell', patient='patient', dataset='dataset'),
            gt_label=0))
    target = packed['data_samples'].straight_img
    assert target.shape == (1, 64, 64) == packed['inputs'].shape
    assert target.dtype == torch.float32 and 0 <= target.min() < 0.3
    assert target.max() == 1
    # Upright: the dark bar spans many more rows than columns.
    rows, cols = torch.nonzero(target[0] < 0.5, as_tuple=True)
    assert rows.max() - rows.min() > 3 * (cols.max() - cols.min())


# ------------------------------------------------ tools/train.py, test.py


def tiny_options(data_root, max_iters=5):
    options = [f'train_cfg.max_iters={max_iters}',
               f'train_cfg.val_interval={max_iters}',
               'default_hooks.logger.interval=1',
               'default_hooks.checkpoint.interval=1',
               'param_scheduler=[]']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{loader}.num_workers=0',
                    f'{loader}.persistent_workers=False',
                    f'{loader}.dataset.data_root={data_root}']
    return options


def test_varifocal_net_trains_and_tests_through_the_tools(
        tmp_path, tiny_chromosome_dir):
    config = osp.join(CONFIGS, 'comparison', 'varifocal-net_gband612.py')
    work_dir = str(tmp_path / 'work')
    out = run_tool('train.py', config, '--work-dir', work_dir,
                   '--input-size', '64', '--cfg-options',
                   *tiny_options(tiny_chromosome_dir))
    # Stages at 0.4 and 0.8 of 5 steps: iterations 1-2, 3-4 and 5.
    assert "train_stage 'weakly_supervised' from iteration 3" in out
    assert "train_stage 'ensemble' from iteration 5" in out
    logs = [r for r in scalars(work_dir) if 'loss_cls_ensemble' in r]
    assert [r['iter'] for r in logs] == [1, 2, 3, 4, 5]
    # The logger repeats the last value of a loss the step did not return.
    changed = [{k for k in ('loss_box', 'loss_cls_local')
                if logs[i][k] != logs[i - 1][k]} for i in range(1, 5)]
    assert changed == [{'loss_box', 'loss_cls_local'}, {'loss_cls_local'},
                       {'loss_cls_local'}, set()]
    before, after = (
        torch.load(osp.join(work_dir, f'iter_{i}.pth'),
                   weights_only=False)['state_dict'] for i in (4, 5))
    frozen = [k for k in after if k.startswith(
        ('backbone.global_backbone.', 'backbone.local_backbone.',
         'backbone.localizer.'))]
    assert frozen and all(torch.equal(before[k], after[k]) for k in frozen)
    assert not torch.equal(before['head.ensemble_mlps.cls.0.weight'],
                           after['head.ensemble_mlps.cls.0.weight'])
    checkpoint = osp.join(work_dir, 'iter_5.pth')

    test_dir = str(tmp_path / 'test')
    run_tool('test.py', config, checkpoint, '--work-dir', test_dir,
             '--input-size', '64', '--cfg-options',
             *tiny_options(tiny_chromosome_dir))
    [metrics_file] = glob.glob(osp.join(test_dir, '*', '*.json'))
    with open(metrics_file) as f:
        metrics = json.load(f)
    for key in ('accuracy', 'recall', 'auc'):
        assert 0 <= metrics[f'chromosome/{key}'] <= 100


def test_hr_net_trains_and_tests_through_the_tools(tmp_path,
                                                   tiny_chromosome_dir):
    config = osp.join(CONFIGS, 'comparison', 'hr-net_gband612.py')
    work_dir = str(tmp_path / 'work')
    run_tool('train.py', config, '--work-dir', work_dir, '--input-size',
             '64', '--cfg-options', *tiny_options(tiny_chromosome_dir, 3))
    logs = [r for r in scalars(work_dir) if 'loss_straight' in r]
    assert [r['iter'] for r in logs] == [1, 2, 3]
    assert all(0 < r['loss_straight'] < 1 for r in logs)
    test_dir = str(tmp_path / 'test')
    run_tool('test.py', config, osp.join(work_dir, 'iter_3.pth'),
             '--work-dir', test_dir, '--input-size', '64', '--cfg-options',
             *tiny_options(tiny_chromosome_dir))
    [metrics_file] = glob.glob(osp.join(test_dir, '*', '*.json'))
    with open(metrics_file) as f:
        metrics = json.load(f)
    for key in ('accuracy', 'recall', 'auc'):
        assert 0 <= metrics[f'chromosome/{key}'] <= 100


@pytest.mark.parametrize('model_name', MODELS_)
def test_checkpoints_of_the_former_layout_load(model_name):
    """Checkpoints written before the branches moved into the backbone
    and the Varifocal classifiers into the head load unchanged."""
    model = build(f'comparison/{model_name}_gband612.py')
    moved = ('backbone.', 'head.global_fcs.', 'head.local_fcs.',
             'head.ensemble_mlps.')
    old_layout = {
        key.split('.', 1)[1] if key.startswith(moved) else key: value
        for key, value in model.state_dict().items()
    }
    assert {'localizer.mlp.0.weight', 'ensemble_mlps.cls.0.weight'} <= set(
        old_layout) or {'to_image.weight', 'head.fc.weight'} <= set(
            old_layout)
    torch.manual_seed(1)
    other = MODELS.build(load(f'comparison/{model_name}_gband612.py').model)
    other.load_state_dict(old_layout)
    for key, value in model.state_dict().items():
        assert torch.equal(other.state_dict()[key], value), key
