"""set_max_iters: the whole schedule follows the length of the training;
apply_run_options: the order of a run's settings."""
import pytest
from mmengine.config import Config

from mmscl.utils import apply_run_options, set_max_iters


def make_config(**changes):
    cfg = Config(
        dict(
            train_cfg=dict(
                type='IterBasedTrainLoop', max_iters=2000, val_interval=1000),
            param_scheduler=[
                dict(type='LinearLR', by_epoch=False, begin=0, end=100),
                dict(type='CosineAnnealingLR', by_epoch=False, begin=100,
                     end=2000),
            ],
            custom_hooks=[
                dict(type='CEWarmupHook', warmup_iters=200),
                dict(type='EMAHook'),
            ]))
    cfg.merge_from_dict(changes)
    return cfg


def test_set_max_iters_rescales_the_schedule():
    cfg = make_config()
    set_max_iters(cfg, 500)
    assert cfg.train_cfg == dict(
        type='IterBasedTrainLoop', max_iters=500, val_interval=250)
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 25),
                                                               (25, 500)]
    assert cfg.custom_hooks == [
        dict(type='CEWarmupHook', warmup_iters=50),
        dict(type='EMAHook')
    ]


def test_set_max_iters_keeps_a_step_for_every_scheduler():
    cfg = make_config()
    set_max_iters(cfg, 4)
    assert cfg.train_cfg.val_interval == 2
    # The warm-up of 100 / 2000 steps rounds to none, but keeps one, and
    # the decay still begins where it ends.
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 1),
                                                               (1, 4)]
    assert cfg.custom_hooks[0].warmup_iters == 0


def test_set_max_iters_single_scheduler_without_end():
    cfg = make_config()
    cfg.param_scheduler = dict(type='ConstantLR', by_epoch=False, begin=200)
    set_max_iters(cfg, 1000)
    assert cfg.param_scheduler == dict(
        type='ConstantLR', by_epoch=False, begin=100)


@pytest.mark.parametrize('cfg, max_iters, message', [
    (make_config(), 0, 'positive int'),
    (make_config(), 10., 'positive int'),
    (Config(dict(train_cfg=dict(max_epochs=10))), 10, 'no max_iters'),
    (make_config(**{'param_scheduler.0.by_epoch': True}), 10,
     'param_scheduler 0 .LinearLR. counts epochs'),
])
def test_set_max_iters_refuses(cfg, max_iters, message):
    with pytest.raises(ValueError, match=message):
        set_max_iters(cfg, max_iters)


def test_apply_run_options_in_the_tools_order():
    cfg = make_config(test_dataloader=dict(dataset=dict(pipeline=[
        dict(type='Letterbox', scale=128)
    ])))
    # The options first: the input size overrides their Letterbox scale,
    # and max_iters rescales the schedule from the length they set.
    apply_run_options(
        cfg, {
            'test_dataloader.dataset.pipeline.0.scale': 96,
            'train_cfg.max_iters': 1000
        },
        input_size=64,
        max_iters=500)
    assert cfg.test_dataloader.dataset.pipeline[0].scale == 64
    assert cfg.input_size == 64
    assert cfg.train_cfg.max_iters == 500
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 50),
                                                               (50, 1000)]
    assert cfg.custom_hooks[0].warmup_iters == 100


def test_apply_run_options_without_settings_leaves_the_config():
    cfg = make_config()
    apply_run_options(cfg)
    assert cfg.to_dict() == make_config().to_dict()
