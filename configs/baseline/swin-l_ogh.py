# The same model, data, schedule and focal loss as scl/swin-l_ogh.py,
# without SCL: no contrastive loss, ordinary shuffled batches of 48.
_base_ = '../scl/swin-l_ogh.py'
model = dict(head=dict(contrastive_loss=None))
train_dataloader = dict(
    batch_size=48,
    batch_sampler=None,
    sampler=dict(type='DefaultSampler', shuffle=True, _delete_=True))
