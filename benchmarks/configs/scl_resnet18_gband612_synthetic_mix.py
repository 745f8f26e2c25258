# An experiment of benchmarks/README.md ("Synthetic cells mixed into
# training"): the SCL gband612 config with 200 synthetic cells (9,200
# crops, 29 % of the training crops) of a domain-randomised generator added
# to gband612's training crops: band levels 300-550, condensation
# (chromosome 1 of 120-225 px), stain, optics, noise and background
# spanning the generator's internal and external domains and beyond.
# Compared with configs/scl/resnet18_gband612.py by benchmarks/real_data.py
# on the validation split and qband119: -1.3 points on the validation split,
# nothing consistent on qband119 (3 seeds, 2026-12-07), so not adopted.
_base_ = ['../../configs/scl/resnet18_gband612.py']
randomised_domain = dict(
    base='external',
    band_levels=(300, 400, 550),
    chr1_length=(120, 225),
    width=(15, 28),
    length_jitter=0.04,
    split=(0.6, 1.0),
    constriction=(0.1, 0.3),
    bend=(0, 60),
    rotation=(-20, 20),
    flip=0.2,
    band_softness=(0.5, 2.2),
    stain_od=(1.2, 2.2),
    base_stain=(0.08, 0.4),
    texture=(0.1, 0.35),
    gamma=(0.6, 1.2),
    black_level=(0.0, 0.15),
    blur=(0.5, 1.8),
    noise=(2, 10),
    background=(230, 255),
    background_texture=(0, 8),
    edge_cut=(235, 255),
)
train_dataloader = dict(
    dataset=dict(
        type='ChromosomeDatasetWithSynthetic',
        synthetic=dict(
            data_root='data/synthetic/randomised',
            num_cells=200,
            seed=2,
            domain=randomised_domain,
            splits=(1, 0, 0),
            ann_file='train.csv')))
# Needs the repository root on sys.path (PYTHONPATH=.).
custom_imports = dict(imports=['mmscl', 'benchmarks.synthetic_mix'],
                      allow_failed_imports=False)
