"""Test-time views at scales around the reference (ReferenceScale,
tools/test.py --tta)."""
import glob
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmscl.datasets.transforms import ReferenceScale
from mmscl.utils import apply_tta, set_input_size

from conftest import (CONFIGS, run_tool_main, write_csv_without_ids,
                      write_tiny_config)


def test_reference_scale_divides_by_the_factor_of_the_level():
    scale = ReferenceScale(factors=dict(cell=1.0, patient=1.5, dataset=2.0))
    for level, expected in (('cell', 60.), ('patient', 40.),
                            ('dataset', 30.)):
        results = scale(dict(ref_length=60., ref_level=level))
        assert results['ref_length'] == expected
    assert 'dataset' in repr(scale)
    for bad in (dict(cell=1.), dict(cell=1., patient=1., dataset=1., slide=1),
                dict(cell=1., patient=0., dataset=1.)):
        with pytest.raises(ValueError, match='factors'):
            ReferenceScale(factors=bad)
    with pytest.raises(KeyError, match='ref_level'):
        scale(dict(img_path='a.png', ref_length=60.))
    with pytest.raises(KeyError, match='ref_length'):
        scale(dict(img_path='a.png', ref_level='cell'))


# Views of a crop without a cell at three scales; a crop with one is seen
# three times as it is.
DATASET_FACTORS = (0.8, 1.0, 1.25)
TTA_CONFIG = """
_base_ = ['./tiny.py']
letterbox = dict(type='Letterbox', scale=32, reference_fraction=0.4)
tta_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='ReferenceScale',
              factors=dict(cell=1.0, patient=1.0, dataset=factor))
         for factor in {factors}],
        [letterbox],
        [dict(type='PackInputs')],
    ]),
]
test_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='ReferenceScale',
         factors=dict(cell=1.0, patient=1.0, dataset={factor})),
    letterbox,
    dict(type='PackInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
"""


def predictions(config, checkpoint, ann_file, out, *extra):
    run_tool_main('test', config, checkpoint, '--out', out,
                  '--cfg-options', f'test_dataloader.dataset.ann_file={ann_file}',
                  *extra)
    with open(out, 'rb') as f:
        return pickle.load(f)


def test_test_tool_tta_averages_the_views(tmp_path, tiny_chromosome_dir):
    config = Config.fromfile(write_tiny_config(tmp_path / 'tiny.py',
                                               tiny_chromosome_dir))
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(config.model)
    checkpoint = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    no_ids = write_csv_without_ids(tiny_chromosome_dir)

    def write_config(factor):
        path = tmp_path / f'tta_{factor}.py'
        path.write_text(TTA_CONFIG.format(factors=DATASET_FACTORS,
                                          factor=factor))
        return str(path)

    views = [predictions(write_config(f), checkpoint, no_ids,
                         str(tmp_path / f'view_{f}.pkl'))
             for f in DATASET_FACTORS]
    averaged = predictions(write_config(1.0), checkpoint, no_ids,
                           str(tmp_path / 'tta.pkl'), '--tta')
    scores = np.mean([[s['pred_score'].numpy() for s in view]
                      for view in views], axis=0)
    assert not np.allclose(scores, [s['pred_score'] for s in views[0]])
    np.testing.assert_allclose([s['pred_score'] for s in averaged], scores,
                               rtol=1e-5, atol=1e-7)
    assert [int(s['pred_label']) for s in averaged] == list(
        scores.argmax(1))
    # With cell ids every view is the crop as it is.
    test_csv = osp.join(tiny_chromosome_dir, 'test.csv')
    plain = predictions(write_config(1.0), checkpoint, test_csv,
                        str(tmp_path / 'plain.pkl'))
    averaged = predictions(write_config(1.0), checkpoint, test_csv,
                           str(tmp_path / 'tta_ids.pkl'), '--tta')
    np.testing.assert_allclose([s['pred_score'] for s in averaged],
                               [s['pred_score'] for s in plain], rtol=1e-5,
                               atol=1e-7)
    # --adapt with --tta: the BatchNorm statistics of the views, saved as a
    # plain checkpoint of the model.
    adapted = str(tmp_path / 'adapted.pth')
    predictions(write_config(1.0), checkpoint, no_ids,
                str(tmp_path / 'tta_adapted.pkl'), '--tta', '--adapt',
                '--save-adapted', adapted)
    state = torch.load(adapted, weights_only=True)['state_dict']
    source = model.state_dict()
    assert state.keys() == source.keys()
    assert not torch.equal(state['backbone.bn1.running_mean'],
                           source['backbone.bn1.running_mean'])
    assert torch.equal(state['backbone.conv1.weight'],
                       source['backbone.conv1.weight'])


def test_tta_needs_a_tta_pipeline_and_follows_the_input_size():
    cfg = Config(dict(
        model=dict(type='ImageClassifier'),
        data_preprocessor=dict(mean=[1.], std=[2.]),
        test_dataloader=dict(dataset=dict(pipeline=[])),
        tta_pipeline=[
            dict(type='LoadChromosomeImage'),
            dict(type='TestTimeAug', transforms=[
                [dict(type='Letterbox', scale=64)],
                [dict(type='PackInputs')]])
        ]))
    set_input_size(cfg, 96)
    apply_tta(cfg)
    assert cfg.test_dataloader.dataset.pipeline[1].transforms[0][0].scale \
        == 96
    assert cfg.model.type == 'AverageScoreTTA'
    assert cfg.model.module == dict(
        type='ImageClassifier',
        data_preprocessor=dict(mean=[1.], std=[2.]))
    with pytest.raises(ValueError, match='no tta_pipeline'):
        apply_tta(Config(dict(model=dict(), test_dataloader=dict())))


def test_gband612_tta_pipeline_is_the_test_pipeline_at_scales():
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'scl', 'resnet18_gband612_qband119.py'))
    test_pipeline = cfg.test_dataloader.dataset.pipeline
    *shared, aug = cfg.tta_pipeline
    assert shared == test_pipeline[:-2]
    assert aug.type == 'TestTimeAug'
    scales, letterbox, pack = aug.transforms
    assert [letterbox, pack] == [test_pipeline[-2:-1], test_pipeline[-1:]]
    factors = [view.factors for view in scales]
    # Symmetric in log scale around the reference, wider without a cell.
    for level in ('cell', 'patient', 'dataset'):
        logs = np.log([f[level] for f in factors])
        np.testing.assert_allclose(logs, -logs[::-1], atol=1e-12)
        assert logs[len(logs) // 2] == 0
    assert max(f['cell'] for f in factors) < max(f['dataset']
                                                 for f in factors)


def test_tta_refuses_a_test_pipeline_changed_without_its_tta_pipeline():
    from mmscl.utils import apply_run_options
    configs = [
        path for path in glob.glob(osp.join(CONFIGS, '**', '*.py'),
                                   recursive=True)
        if '_base_' not in path and 'tta_pipeline' in Config.fromfile(path)]
    assert len(configs) >= 3
    for path in configs:
        apply_tta(Config.fromfile(path))
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'scl', 'resnet18_gband612_qband119.py'))
    assert cfg.test_dataloader.dataset.pipeline[3].type == 'Letterbox'
    apply_run_options(cfg, {
        'test_dataloader.dataset.pipeline.3.reference_fraction': 0.5})
    with pytest.raises(ValueError, match=(
            r"--tta: the test pipeline has .*'reference_fraction': 0\.5.*, "
            'which tta_pipeline lacks')):
        apply_tta(cfg)
