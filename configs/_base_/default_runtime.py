default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmscl'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=2000,
        max_keep_ckpts=3,
        save_best='chromosome/accuracy',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
    # Refuses a checkpoint holding under half of the model's tensors
    # (load_from, tools/test.py), and a changed model on --resume.
    checkpoint_match=dict(
        type='CheckpointMatchHook', min_loaded_fraction=0.5),
    # Stops at the first non-finite loss, before a diverged model is saved.
    finite_loss=dict(type='FiniteLossHook'),
    # Says that --resume goes on with the checkpoint's lr, and dumps it.
    resumed_lr=dict(type='ResumedLrHook'),
)
log_processor = dict(by_epoch=False)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
