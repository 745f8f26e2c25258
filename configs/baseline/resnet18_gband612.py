# scl/resnet18_gband612.py without SCL: the same model, data, schedule and
# focal loss, with ordinary shuffled batches of 48 and no contrastive loss.
_base_ = ['../scl/resnet18_gband612.py']
model = dict(head=dict(contrastive_loss=None))
train_dataloader = dict(
    batch_size=48,
    batch_sampler=None,
    sampler=dict(type='DefaultSampler', shuffle=True, _delete_=True))
