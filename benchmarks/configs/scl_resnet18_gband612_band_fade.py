# An experiment of benchmarks/README.md ("Faded bands"): the SCL gband612
# config with the bands of half the crops blurred (sigma 0.5-2.5% of the
# input side) and flattened (contrast x0.3-1) inside an unchanged outline,
# as a lab with fainter banding would give them, so that the model also
# uses length and centromere position. Compared with
# configs/scl/resnet18_gband612.py by benchmarks/real_data.py on the
# validation split and qband119.
_base_ = ['../../configs/scl/resnet18_gband612.py']
# The shipped training pipeline with RandomBandFade after the Letterbox.
train_pipeline = [
    t for step in _base_.train_pipeline
    for t in ([step, dict(type='RandomBandFade', prob=0.5,
                          sigma=(0.005, 0.025), contrast=(0.3, 1.0))]
              if step['type'] == 'Letterbox' else [step])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# Needs the repository root on sys.path (PYTHONPATH=.).
custom_imports = dict(imports=['mmscl', 'benchmarks.lab_shift_transforms'],
                      allow_failed_imports=False)
