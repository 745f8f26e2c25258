# The paper: Adam, lr 1e-5, 200 epochs x 2000 steps of 2 x 24 crops per GPU.
# Counted in iterations so SCL (paired batches) and the baseline (ordinary
# batches) get the same number of steps.
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-5, weight_decay=0.),
    # The learnable temperature is never decayed.
    paramwise_cfg=dict(custom_keys={'logit_scale': dict(decay_mult=0.)}))

train_cfg = dict(type='IterBasedTrainLoop', max_iters=400000,
                 val_interval=2000)
val_cfg = dict()
test_cfg = dict()

custom_hooks = [
    # The authors' code trains the first epoch (2000 steps) with
    # cross-entropy, then with the focal loss from their epoch 2.
    dict(type='CEWarmupHook', warmup_iters=2000),
]

auto_scale_lr = dict(base_batch_size=48)
