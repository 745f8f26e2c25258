#!/usr/bin/env bash
# Evaluate CHECKPOINT on GPUS GPUs of this machine (torchrun); metrics are
# computed on the whole test set gathered from all GPUs.
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [tools/test.py options]
set -euo pipefail

# shellcheck source=tools/dist_launch.sh
source "$(dirname "$0")/dist_launch.sh"
dist_launch test.py 'CONFIG CHECKPOINT GPUS' "$@"
