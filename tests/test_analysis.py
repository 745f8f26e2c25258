"""tools/analysis/* on a tiny trained checkpoint, and mmscl.analysis."""
import csv
import glob
import importlib
import json
import os
import os.path as osp
import re
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.fileio import load
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from PIL import Image
from sklearn.metrics import confusion_matrix, silhouette_score

from conftest import (CONFIGS, load_tool, write_tiny_chromosome_set,
                      write_tiny_config)
from mmscl.analysis import (build_test_dataloader, collect_predictions,
                            default_model_name, load_classifier, load_config,
                            top_confused_pairs, tsne_2d)
from mmscl.analysis.cam import (CAMTarget, ClassActivationMapper, cam_target,
                                default_cam_target, to_nchw)
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.evaluation import find_metrics_file, read_config_data

# conftest's tiny config, made smaller: a linear classifier, 2 steps, no
# validation, 64 px input.
TINY_CONFIG = """
_base_ = ['./tiny_base.py']
model = dict(head=dict(embed_dim=32, hidden_channels=None))
test_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='Letterbox', canvas_size=48, scale=64),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = dict(batch_size=24, dataset=dict(pipeline=test_pipeline))
train_cfg = dict(max_iters=2)
default_hooks = dict(checkpoint=dict(interval=1, save_optimizer=False))
custom_hooks = []
"""

# A tiny timm ViT on the same data, for the CAM of a transformer.
TINY_VIT_CONFIG = """
_base_ = ['./tiny_scl.py']
model = dict(
    backbone=dict(_delete_=True, type='TIMMBackbone',
                  model_name='vit_tiny_patch16_224', pretrained=False,
                  in_channels=1, img_size=64, patch_size=8, depth=2,
                  embed_dim=32, num_heads=2),
    neck=dict(_delete_=True, type='TIMMPooling', input_fmt='NLC',
              pool_type='token'),
    head=dict(in_channels=32))
"""

PAIR = re.compile(r'^\s+(\w+) -> (\w+): (\d+)$', re.M)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A ResNet-18 trained for 2 steps on tiny data, its test predictions
    from tools/test.py --out and its test work dir."""
    root = tmp_path_factory.mktemp('analysis')
    data = write_tiny_chromosome_set(str(root / 'data'), per_type=2)
    write_tiny_config(root / 'tiny_base.py', data)
    config = root / 'tiny_scl.py'
    config.write_text(TINY_CONFIG)
    (root / 'tiny_vit.py').write_text(TINY_VIT_CONFIG)
    work_dir = root / 'work'
    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(work_dir)
    Runner.from_cfg(cfg).train()

    test_tool = load_tool('test')
    argv = sys.argv
    sys.argv = [
        'test.py', str(config), str(work_dir / 'iter_2.pth'), '--work-dir',
        str(work_dir / 'test_internal'), '--out', str(root / 'preds.pkl')
    ]
    try:
        test_tool.main()
    finally:
        sys.argv = argv
    return dict(
        root=root,
        config=str(config),
        vit_config=str(root / 'tiny_vit.py'),
        ckpt=str(work_dir / 'iter_2.pth'),
        ckpt_1=str(work_dir / 'iter_1.pth'),
        work_dir=str(work_dir),
        preds=load(str(root / 'preds.pkl')))


def dumped_labels(preds):
    labels = np.array([int(p['gt_label']) for p in preds])
    pred_labels = np.array([int(p['pred_label']) for p in preds])
    return labels, pred_labels


def read_csv_matrix(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['true/pred', *CHROMOSOME_CATEGORIES]
    assert [r[0] for r in rows[1:]] == list(CHROMOSOME_CATEGORIES)
    return np.array([[float(v) for v in r[1:]] for r in rows[1:]])


def png_size(path):
    with Image.open(path) as image:
        return image.size


def run_comparing_checkpoints(tool, trained, out_dir, *options):
    """Run ``tools/analysis/<tool>.py`` on the trained model's last
    checkpoint, compared with its first (``--compare``).

    Args:
        tool (str): The analysis tool, e.g. 'confusion'.
        trained (dict): The ``trained`` fixture.
        out_dir (Path): The tool's output folder.
        *options (str): More options of the tool.
    """
    load_tool(f'analysis/{tool}').main([
        trained['config'], trained['ckpt'], str(out_dir), '--compare',
        trained['config'], trained['ckpt_1'], *options
    ])


def test_confusion_matches_tools_test_predictions(trained, capsys):
    out_dir = trained['root'] / 'confusion'
    run_comparing_checkpoints('confusion', trained, out_dir, '--names',
                              'step2', 'step1', '--top-k', '30')
    printed = capsys.readouterr().out
    labels, pred_labels = dumped_labels(trained['preds'])
    expected = confusion_matrix(labels, pred_labels, labels=range(24))

    counts = read_csv_matrix(out_dir / 'confusion_step2.csv')
    np.testing.assert_array_equal(counts, expected)
    percent = read_csv_matrix(out_dir / 'confusion_step2_percent.csv')
    np.testing.assert_allclose(percent, expected / 2 * 100, atol=0.005)
    assert osp.isfile(out_dir / 'confusion_step1.csv')

    errors = int((labels != pred_labels).sum())
    summary = f'step2: {errors} of 48 test samples misclassified'
    assert summary in printed
    step2 = printed.split(summary)[1].split('step1:')[0]
    pairs = [(CHROMOSOME_CATEGORIES.index(t), CHROMOSOME_CATEGORIES.index(p),
              int(n)) for t, p, n in PAIR.findall(step2)]
    # The largest off-diagonal counts, ties in label order.
    cells = sorted((-expected[t, p], t, p) for t in range(24)
                   for p in range(24) if t != p and expected[t, p])
    assert pairs == [(t, p, -n) for n, t, p in cells[:30]]
    assert 'Top confused pairs of step2 -> step1:' in printed
    width, height = png_size(out_dir / 'confusion.png')
    assert width > 1500 and height > 1000


def test_default_model_names():
    assert default_model_name(
        osp.join(CONFIGS, 'scl', 'resnet18_synthetic.py')
    ) == 'resnet18_synthetic with SCL'
    assert default_model_name(
        osp.join(CONFIGS, 'baseline', 'resnet18_synthetic.py')
    ) == 'resnet18_synthetic without SCL'


def test_tools_reject_bad_inputs(trained, tmp_path):
    config, ckpt = trained['config'], trained['ckpt']
    with pytest.raises(FileNotFoundError, match='checkpoint file nope.pth'):
        load_tool('analysis/tsne').main([config, 'nope.pth', str(tmp_path)])
    with pytest.raises(ValueError, match='one name per model'):
        load_tool('analysis/confusion').main(
            [config, ckpt, str(tmp_path), '--names', 'a', 'b'])
    with pytest.raises(ValueError, match=r"types \['Z'\] are not types"):
        load_tool('analysis/cam').main(
            [config, ckpt, str(tmp_path), '--types', '1', 'Z'])


def test_top_confused_pairs():
    counts = np.zeros((24, 24), dtype=int)
    np.fill_diagonal(counts, 100)
    counts[3, 4] = 52
    counts[4, 3] = 7
    counts[22, 23] = 7
    assert top_confused_pairs(counts, 2) == [(3, 4, 52), (4, 3, 7)]
    assert top_confused_pairs(counts, 10) == [(3, 4, 52), (4, 3, 7),
                                              (22, 23, 7)]


@torch.no_grad()
def test_tsne_silhouette_matches_the_model(trained, capsys):
    out_dir = trained['root'] / 'tsne'
    load_tool('analysis/tsne').main(
        [trained['config'], trained['ckpt'], str(out_dir), '--names', 'm'])
    printed = capsys.readouterr().out
    silhouette = float(
        re.search(r'm: silhouette \(cosine\) of the embedding = (\S+)',
                  printed).group(1))

    # The embeddings again, hooked out of the prediction path of test.py.
    cfg = load_config(trained['config'])
    model = load_classifier(cfg, trained['ckpt'])
    outputs, preds = [], []
    hook = model.head.embedding.register_forward_hook(
        lambda module, args, out: outputs.append(out))
    for batch in build_test_dataloader(cfg):
        preds += [int(s.pred_label) for s in model.test_step(batch)]
    hook.remove()
    embeds = torch.cat(outputs).numpy()
    labels, dumped_preds = dumped_labels(trained['preds'])
    assert preds == dumped_preds.tolist()
    assert silhouette == pytest.approx(
        silhouette_score(embeds.astype(np.float64), labels,
                         metric='cosine'), abs=1e-4)

    pooled = collect_predictions(
        model, build_test_dataloader(cfg), 'pooled', progress=False)
    assert pooled.features.shape == (48, 512)
    np.testing.assert_allclose(
        np.linalg.norm(pooled.features, axis=1), 1, rtol=1e-5)
    assert pooled.pred_labels.tolist() == preds

    with open(out_dir / 'tsne_m.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['label'] for r in rows] == [
        CHROMOSOME_CATEGORIES[i] for i in labels]
    assert [r['pred_label'] for r in rows] == [
        CHROMOSOME_CATEGORIES[i] for i in dumped_preds]
    points = np.array([[float(r['x']), float(r['y'])] for r in rows])
    assert np.isfinite(points).all() and points.std(axis=0).min() > 0
    assert png_size(out_dir / 'tsne.png')[0] > 600


def test_tsne_of_identical_features_refused():
    features = np.tile(np.float32([[0.6, 0.8]]), (48, 1))
    with pytest.raises(ValueError, match=(
            r'^t-SNE needs features that differ: all 48 are the same \(an '
            r'untrained or collapsed model\?\), so there is nothing to '
            'map.$')):
        tsne_2d(features)
    features[5, 0] += 1e-6
    assert np.isfinite(tsne_2d(features)).all()


def test_tsne_tool_names_a_collapsed_model(trained, tmp_path):
    """An embedding layer of zeros maps every crop to the same embedding,
    which crashed scikit-learn's t-SNE (segfault)."""
    checkpoint = torch.load(trained['ckpt'])
    checkpoint['state_dict']['head.embedding.weight'].zero_()
    collapsed = str(tmp_path / 'collapsed.pth')
    torch.save(checkpoint, collapsed)
    with pytest.raises(ValueError, match=(
            r'^collapsed: t-SNE needs features that differ: all 48 are the '
            'same')):
        load_tool('analysis/tsne').main([
            trained['config'], trained['ckpt'], str(tmp_path), '--names',
            'm', 'collapsed', '--compare', trained['config'], collapsed])
    assert not (tmp_path / 'tsne.png').exists()


def test_cam_resnet_side_by_side(trained, capsys):
    out_dir = trained['root'] / 'cam'
    run_comparing_checkpoints('cam', trained, out_dir, '--types', '4', 'Y',
                              '--per-type', '2')
    printed = capsys.readouterr().out
    assert 'maps at backbone.layer4 (NCHW) for 4 crops' in printed
    # One band of 3 rows (crops, then each model) of 4 crops.
    width, height = png_size(out_dir / 'cam_gradcam.png')
    assert width > 400 and height > 350

    cfg = load_config(trained['config'])
    model = load_classifier(cfg, trained['ckpt'])
    batch = next(iter(build_test_dataloader(cfg, batch_size=4)))
    inputs = model.data_preprocessor(batch, False)['inputs']
    mapper = ClassActivationMapper(model, cam_target(model))
    maps = mapper(inputs, [3, 4, 5, 6])
    mapper.release()
    assert maps.shape == (4, 64, 64)
    assert maps.min() >= 0 and maps.max() == pytest.approx(1, abs=1e-3)


def test_cam_transformer_tool(trained):
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(trained['vit_config'])
    model = MODELS.build(cfg.model)
    ckpt = str(trained['root'] / 'tiny_vit.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out_dir = trained['root'] / 'cam_vit'
    load_tool('analysis/cam').main([
        trained['vit_config'], ckpt, str(out_dir), '--types', '1', 'X',
        '--method', 'gradcam++'
    ])
    assert osp.isfile(out_dir / 'cam_gradcam++.png')


def tiny_classifier(backbone, neck, in_channels):
    init_default_scope('mmpretrain')
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=backbone,
            neck=neck,
            head=dict(type='SCLHead', num_classes=24, in_channels=in_channels,
                      embed_dim=16, hidden_channels=None))).eval()


BACKBONES = {
    'mmpretrain-resnet': (
        dict(type='ResNet', depth=18, in_channels=1),
        dict(type='GlobalAveragePooling'), 512,
        CAMTarget('backbone.layer4', 'NCHW')),
    'timm-swin': (
        dict(type='TIMMBackbone', model_name='swin_tiny_patch4_window7_224',
             pretrained=False, in_channels=1, img_size=64, window_size=4,
             depths=(1, 1), embed_dim=16, num_heads=(1, 2)),
        dict(type='TIMMPooling', input_fmt='NHWC'), 32,
        CAMTarget('backbone.timm_model.layers.1', 'NHWC')),
    'timm-davit': (
        dict(type='TIMMBackbone', model_name='davit_tiny', pretrained=False,
             in_channels=1, depths=(1, 1, 1, 1), embed_dims=(8, 16, 32, 64),
             num_heads=(1, 1, 2, 2)),
        dict(type='TIMMPooling', input_fmt='NCHW'), 64,
        CAMTarget('backbone.timm_model.stages.3', 'NCHW')),
    'mmpretrain-vit': (
        dict(type='VisionTransformer',
             arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                       feedforward_channels=64),
             img_size=64, patch_size=8, in_channels=1,
             out_type='cls_token'), None, 32,
        CAMTarget('backbone.layers.1.ln1', 'NLC', 1)),
    'mmpretrain-swin': (
        dict(type='SwinTransformer',
             arch=dict(embed_dims=16, depths=[1, 1], num_heads=[1, 2]),
             img_size=64, window_size=4, in_channels=1, out_indices=(1, )),
        dict(type='GlobalAveragePooling'), 32,
        CAMTarget('backbone.norm1', 'NLC')),
    'mmpretrain-davit': (
        dict(type='DaViT',
             arch=dict(embed_dims=8, depths=[1, 1, 1, 1],
                       num_heads=[1, 1, 2, 2]),
             in_channels=1, out_indices=(3, ), pad_small_map=True),
        dict(type='GlobalAveragePooling'), 64,
        CAMTarget('backbone.norm3', 'NLC')),
}


@pytest.mark.parametrize('family', list(BACKBONES))
def test_default_cam_target_per_family(family):
    backbone, neck, in_channels, expected = BACKBONES[family]
    torch.manual_seed(0)
    model = tiny_classifier(backbone, neck, in_channels)
    assert default_cam_target(model) == expected
    mapper = ClassActivationMapper(model, expected)
    maps = mapper(torch.randn(2, 1, 64, 64), [0, 23])
    mapper.release()
    assert maps.shape == (2, 64, 64)
    assert maps.std() > 0


def test_to_nchw_and_bad_targets():
    tokens = torch.arange(2 * 17 * 3.).reshape(2, 17, 3)
    maps = to_nchw(tokens, CAMTarget('x', 'NLC', 1))
    assert maps.shape == (2, 3, 4, 4)
    assert maps[1, 2, 0, 1] == tokens[1, 1 + 1, 2]
    nhwc = torch.randn(2, 4, 5, 3)
    assert torch.equal(to_nchw(nhwc, CAMTarget('x', 'NHWC')),
                       nhwc.permute(0, 3, 1, 2))
    with pytest.raises(ValueError, match='not a square map'):
        to_nchw(tokens, CAMTarget('x', 'NLC', 0))
    with pytest.raises(ValueError, match='not a NCHW tensor'):
        to_nchw(tokens, CAMTarget('x', 'NCHW'))
    with pytest.raises(ValueError, match='layout must be one of'):
        CAMTarget('x', 'HWC')
    model = tiny_classifier(
        dict(type='ResNet', depth=18, in_channels=1),
        dict(type='GlobalAveragePooling'), 512)
    with pytest.raises(KeyError, match="no layer 'backbone.layer9'"):
        ClassActivationMapper(model, cam_target(model, 'backbone.layer9'))


def write_metrics(test_dir, accuracy, recall, auc, stamp='20260101_000000'):
    os.makedirs(osp.join(test_dir, stamp))
    with open(osp.join(test_dir, stamp, f'{stamp}.json'), 'w') as f:
        json.dump({'chromosome/accuracy': accuracy, 'chromosome/recall':
                   recall, 'chromosome/auc': auc, 'time': 1.0}, f)


def test_ablation_table_paper_layout(tmp_path, capsys):
    # Values of the paper's Tables 1 and 2 (Vit_small, Swin_large).
    paper = {
        'vit_base': ((89.54, 89.43, 99.68), (73.47, 73.74, 97.25)),
        'vit_scl': ((94.07, 93.70, 99.83), (81.13, 81.09, 98.96)),
        'swin_base': ((95.30, 94.87, 99.86), (83.22, 83.05, 98.87)),
        'swin_scl': ((96.33, 95.71, 99.88), (87.32, 86.98, 99.24)),
        'varifocal': ((93.18, 92.81, 99.82), (80.83, 81.06, 98.50)),
    }
    for run, (internal, external) in paper.items():
        write_metrics(str(tmp_path / run / 'test_internal'), *internal)
        write_metrics(str(tmp_path / run / 'test_external'), *external)
    # An older test run of the same folder is ignored.
    write_metrics(str(tmp_path / 'vit_scl' / 'test_internal'), 1, 1, 1,
                  '20250101_000000')
    out = tmp_path / 'tables' / 'ablation.md'
    load_tool('analysis/ablation_table').main([
        '--run', 'Vit_small', str(tmp_path / 'vit_base'),
        str(tmp_path / 'vit_scl'), '--run', 'Swin_large',
        str(tmp_path / 'swin_base'), str(tmp_path / 'swin_scl'),
        '--compare', 'Varifocal-Net', str(tmp_path / 'varifocal'),
        '--split-names', 'OGH-Fudan', 'ChrmNet', '--out', str(out)
    ])
    text = out.read_text()
    assert text in capsys.readouterr().out
    lines = text.splitlines()
    assert lines[2] == (
        '| Classifier | SCL | OGH-Fudan Accuracy (%) | OGH-Fudan Recall (%) '
        '| OGH-Fudan AUC (%) | ChrmNet Accuracy (%) | ChrmNet Recall (%) | '
        'ChrmNet AUC (%) |')
    assert lines[4] == ('| Vit_small |  | 89.54 | 89.43 | 99.68 | 73.47 | '
                        '73.74 | 97.25 |')
    assert lines[5] == (
        '| Vit_small | ✓ | 94.07 (+4.53) | 93.70 (+4.27) | 99.83 (+0.15) | '
        '81.13 (+7.66) | 81.09 (+7.35) | 98.96 (+1.71) |')
    assert lines[7] == (
        '| Swin_large | ✓ | **96.33** (+1.03) | **95.71** (+0.84) | '
        '**99.88** (+0.02) | **87.32** (+4.10) | **86.98** (+3.93) | '
        '**99.24** (+0.37) |')
    table2 = text.split('Table 2.')[1].splitlines()
    assert table2[4] == ('| Swin_large + SCL | **96.33** | **95.71** | '
                         '**99.88** | **87.32** | **86.98** | **99.24** |')
    assert table2[5] == ('| Varifocal-Net | 93.18 | 92.81 | 99.82 | 80.83 | '
                         '81.06 | 98.50 |')


def test_ablation_table_bad_inputs(trained, tmp_path):
    tool = load_tool('analysis/ablation_table')
    work_dir = trained['work_dir']
    # The tiny run is tested with SCL: given as the baseline, it is refused.
    with pytest.raises(ValueError, match='given as the run without SCL'):
        tool.main(['--run', 'R', work_dir, work_dir, '--splits',
                   'test_internal'])
    with pytest.raises(FileNotFoundError, match='test_external does not'):
        tool.main(['--run', 'R', work_dir, work_dir])
    (tmp_path / 'test_internal').mkdir()
    with pytest.raises(FileNotFoundError, match='holds no test metrics'):
        find_metrics_file(str(tmp_path / 'test_internal'))


# A dumped config with code planted in it: any of these lines, if run,
# writes a marker file.
PLANTED_CONFIG = """
__import__('os').system('touch {marker}_system')
open('{marker}_open', 'w').close()
model = dict(
    type='ImageClassifier',
    head=dict(type='SCLHead', num_classes=24,
              contrastive_loss=dict(type='PairedContrastiveLoss')))
planted = __import__('os').system('touch {marker}_value')
test_cfg = dict(note=[1, (2, -3.5)], other={{'a': None}}, hook=print('x'))
"""


def plant_test_run(test_dir, marker):
    """A test run whose dumped config would write ``marker*`` files."""
    stamp = '20260101_000000'
    write_metrics(test_dir, 90., 89., 99., stamp)
    os.makedirs(osp.join(test_dir, stamp, 'vis_data'))
    config = osp.join(test_dir, stamp, 'vis_data', 'config.py')
    with open(config, 'w') as f:
        f.write(PLANTED_CONFIG.format(marker=marker))
    return config


def test_dumped_config_is_read_as_data(tmp_path):
    marker = str(tmp_path / 'marker')
    config = plant_test_run(str(tmp_path / 'run' / 'test_internal'), marker)
    settings = read_config_data(config)
    assert set(settings) == {'model'}
    assert settings.model.head.contrastive_loss.type == 'PairedContrastiveLoss'
    assert not glob.glob(marker + '*')
    # The same file run as MMEngine runs a config writes the markers.
    Config.fromfile(config)
    assert sorted(glob.glob(marker + '*')) == [
        marker + '_open', marker + '_system', marker + '_value']


def test_config_data_values(tmp_path):
    config = tmp_path / 'config.py'
    config.write_text("a = dict(b=[1, (2, -3.5)], c={'d': None}, e='f')\n"
                      'g = True\n')
    assert read_config_data(str(config)).to_dict() == dict(
        a=dict(b=[1, (2, -3.5)], c=dict(d=None), e='f'), g=True)
    config.write_text('a = (\n')
    with pytest.raises(ValueError, match='not a Python config'):
        read_config_data(str(config))


def test_ablation_table_runs_nothing_from_work_dirs(tmp_path, capsys):
    marker = str(tmp_path / 'marker')
    for run in ('baseline', 'scl'):
        for split in ('test_internal', 'test_external'):
            plant_test_run(str(tmp_path / run / split), marker)
    tool = load_tool('analysis/ablation_table')
    # The planted configs are SCL runs: read as data, they are refused as
    # the baseline, and accepted as the SCL run of another baseline.
    with pytest.raises(ValueError, match='given as the run without SCL'):
        tool.main(['--run', 'R', str(tmp_path / 'baseline'),
                   str(tmp_path / 'scl')])
    for split in ('test_internal', 'test_external'):
        os.remove(
            osp.join(tmp_path, 'baseline', split, '20260101_000000',
                     'vis_data', 'config.py'))
    tool.main(['--run', 'R', str(tmp_path / 'baseline'),
               str(tmp_path / 'scl')])
    assert '| R | ✓ | **90.00** (+0.00) |' in capsys.readouterr().out
    assert not glob.glob(marker + '*')


@pytest.mark.parametrize('module, dependency', [
    ('mmscl.analysis.cam', 'pytorch_grad_cam'),
    ('mmscl.analysis.plots', 'matplotlib'),
])
def test_missing_analysis_extra_is_named(monkeypatch, module, dependency):
    # None in sys.modules makes an import fail as if it were not installed.
    monkeypatch.setitem(sys.modules, dependency, None)
    monkeypatch.delitem(sys.modules, module)
    with pytest.raises(ImportError, match=re.escape(
            f"needs the module '{dependency}', which is not installed: "
            "install mmscl's analysis extra with `pip install -e "
            "'.[analysis]'`")):
        importlib.import_module(module)


@pytest.mark.parametrize('model_name, cam_layer', [
    ('varifocal-net', 'backbone.global_backbone.layer4'),
    ('hr-net', 'backbone.cls_backbone.layer4'),
])
def test_tools_on_the_comparison_models(tmp_path, capsys, model_name,
                                        cam_layer):
    """confusion.py, tsne.py and cam.py on narrow Table 2 models, trained
    3 steps, as on any classifier: their predictions are the model's."""
    from mmscl.utils import set_input_size
    data = write_tiny_chromosome_set(str(tmp_path / 'data'), per_type=2,
                                     splits=('test', ))
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'comparison', f'{model_name}_gband612.py'))
    set_input_size(cfg, 64)
    for branch in ('global_backbone', 'local_backbone', 'cls_backbone',
                   'straight_backbone'):
        if branch in cfg.model.backbone:
            cfg.model.backbone[branch].update(base_channels=8,
                                              stem_channels=8)
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.data_root = data
    config = str(tmp_path / 'tiny.py')
    cfg.dump(config)
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    # Untrained, HR-Net embeds every crop alike (t-SNE cannot map that).
    optim = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = next(iter(build_test_dataloader(cfg)))
    for _ in range(3):
        losses = model(**model.data_preprocessor(batch, True), mode='loss')
        optim.zero_grad()
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        optim.step()
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)

    cfg = load_config(config)
    model = load_classifier(cfg, ckpt)
    labels, preds = [], []
    with torch.no_grad():
        for batch in build_test_dataloader(cfg):
            for sample in model.test_step(batch):
                labels.append(int(sample.gt_label))
                preds.append(int(sample.pred_label))

    load_tool('analysis/confusion').main(
        [config, ckpt, str(tmp_path / 'confusion')])
    np.testing.assert_array_equal(
        read_csv_matrix(tmp_path / 'confusion' / 'confusion_tiny.csv'),
        confusion_matrix(labels, preds, labels=range(24)))

    load_tool('analysis/tsne').main(
        [config, ckpt, str(tmp_path / 'tsne'), '--names', 'm'])
    with open(tmp_path / 'tsne' / 'tsne_m.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['pred_label'] for r in rows] == [
        CHROMOSOME_CATEGORIES[i] for i in preds]
    with torch.no_grad():
        embedding = model.extract_feat(
            torch.zeros(1, 1, 64, 64), stage='pre_logits')
        pooled = collect_predictions(
            model, build_test_dataloader(cfg), 'pooled', progress=False)
    # Varifocal-Net: the ensemble feature, the G-Net's and L-Net's last
    # two maps (32 + 64 channels each); HR-Net: the last map (64).
    assert embedding.shape[1] == {'varifocal-net': 192, 'hr-net': 64}[
        model_name]
    assert pooled.features.shape == (48, 64)
    assert pooled.pred_labels.tolist() == preds

    capsys.readouterr()
    load_tool('analysis/cam').main(
        [config, ckpt, str(tmp_path / 'cam'), '--types', '1', 'X'])
    assert f'maps at {cam_layer} (NCHW) for 2 crops' in capsys.readouterr(
    ).out
    assert osp.isfile(tmp_path / 'cam' / 'cam_gradcam.png')
