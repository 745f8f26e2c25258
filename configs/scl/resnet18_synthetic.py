# The embedded default: ResNet-18 trained with SCL on synthetic G-band
# cells that mmscl generates on first use, short enough for a CPU; on a GPU
# raise train_cfg.max_iters (and tools/train.py --input-size).
#   python tools/train.py configs/scl/resnet18_synthetic.py
#   python tools/test.py configs/scl/resnet18_synthetic.py CKPT
#   python tools/test.py configs/scl/resnet18_synthetic_external.py CKPT
_base_ = [
    '../_base_/models/resnet18.py',
    '../_base_/datasets/synthetic.py',
    '../_base_/schedules/quickstart_cpu.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=200))
