# An experiment of benchmarks/README.md ("Restained bands"): the SCL
# gband612 config with the bands of half the training crops restained
# inside an unchanged outline (RandomBandStain: a contrast gain varying
# along the chromosome, then a random monotone tone curve), as another
# stain answers the same chromatin, so that the model relies less on the
# exact gray of each band. Compared with configs/scl/resnet18_gband612.py by
# benchmarks/real_data.py on the validation split and qband119.
_base_ = ['../../configs/scl/resnet18_gband612.py']
# The shipped training pipeline with RandomBandStain after the Letterbox
# (the crop still upright there).
train_pipeline = [
    t for step in _base_.train_pipeline
    for t in ([step, dict(type='RandomBandStain', prob=0.5, gain_std=0.4,
                          knots=6, curve_std=0.08)]
              if step['type'] == 'Letterbox' else [step])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# Needs the repository root on sys.path (PYTHONPATH=.).
custom_imports = dict(imports=['mmscl', 'benchmarks.lab_shift_transforms'],
                      allow_failed_imports=False)
