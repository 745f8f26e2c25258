# A short schedule for real crops on one GPU (or a long CPU run): 3000 steps
# of 48. The paper's Adam lr of 1e-5 is for 400k steps; a short run needs
# 1e-3, warmed up linearly and decayed with a cosine. Counted in iterations
# so SCL (paired batches) and the baseline (shuffled batches) get the same
# number of steps.
max_iters = 3000
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.),
    # The learnable temperature is never decayed.
    paramwise_cfg=dict(custom_keys={'logit_scale': dict(decay_mult=0.)}))
param_scheduler = [
    dict(type='LinearLR', by_epoch=False, start_factor=0.01, begin=0,
         end=150),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=150, end=max_iters,
         eta_min=1e-5),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=1000)
val_cfg = dict()
test_cfg = dict()

custom_hooks = [
    # Cross-entropy for the first 10% of the steps, then the focal loss,
    # as the authors' first of 200 epochs (0.5%) but long enough for the
    # classifier to leave its uniform start.
    dict(type='CEWarmupHook', warmup_iters=300),
]
