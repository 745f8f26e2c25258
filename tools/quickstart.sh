#!/usr/bin/env bash
# mmscl's main job on its embedded default: generate the synthetic G-band
# data (first run only), train with SCL, then test on the internal test
# split and on the external domain.
#   bash tools/quickstart.sh [scl|baseline]
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-scl}
config=configs/$variant/resnet18_synthetic.py
work_dir=work_dirs/quickstart_$variant

python tools/train.py "$config" --work-dir "$work_dir"
checkpoint=$(cat "$work_dir/last_checkpoint")
python tools/test.py "$config" "$checkpoint" \
    --work-dir "$work_dir/test_internal"
python tools/test.py "configs/$variant/resnet18_synthetic_external.py" \
    "$checkpoint" --work-dir "$work_dir/test_external"
