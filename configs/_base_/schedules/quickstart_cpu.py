# A laptop-CPU schedule for the embedded synthetic default: a few hundred
# steps with a higher learning rate than the paper's 1e-5 (400k steps).
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.),
    paramwise_cfg=dict(custom_keys={'logit_scale': dict(decay_mult=0.)}))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=400,
         eta_min=1e-5),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=400, val_interval=200)
val_cfg = dict()
test_cfg = dict()
custom_hooks = [
    dict(type='CEWarmupHook', warmup_iters=100),
]
