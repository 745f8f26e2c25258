#!/usr/bin/env bash
# Train on GPUS GPUs of this machine (one process per GPU, torchrun); each
# GPU draws its own paired 2 x 24 batch.
#   tools/dist_train.sh CONFIG GPUS [tools/train.py options]
# Several machines: run it on each with NNODES, NODE_RANK, MASTER_ADDR and
# PORT set (the same PORT and MASTER_ADDR everywhere).
set -euo pipefail

# shellcheck source=tools/dist_launch.sh
source "$(dirname "$0")/dist_launch.sh"
dist_launch train.py 'CONFIG GPUS' "$@"
