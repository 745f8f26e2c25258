# The SCL config with a ResNet-18 that keeps twice the resolution in its
# last stage (output stride 16: stage 4 dilated instead of strided), so
# that a 64 px input ends in 4 x 4 maps instead of 2 x 2. An experiment of
# issue 10 (resolution at equal cost), measured in benchmarks/README.md.
_base_ = ['../../configs/scl/resnet18_gband612.py']
model = dict(backbone=dict(strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2)))
