# scl/resnet18_gband612.py without the contrastive loss only: the same
# paired, type-balanced batches (PairedTypeSampler, every type twice in each
# batch of 48), model, schedule and focal loss. Against baseline/
# resnet18_gband612.py (shuffled batches) it measures what the balanced
# sampling does; against scl/resnet18_gband612.py what the contrastive
# loss does.
_base_ = ['../scl/resnet18_gband612.py']
model = dict(head=dict(contrastive_loss=None))
