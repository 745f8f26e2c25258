# Sourced by dist_train.sh and dist_test.sh: dist_launch runs a tool on
# GPUS GPUs of this machine, one process per GPU (torchrun).
# Several machines: run it on each with NNODES, NODE_RANK, MASTER_ADDR and
# PORT set (the same PORT and MASTER_ADDR everywhere).

# dist_launch SCRIPT 'NAMES' ARGS...: NAMES are the tool's positional
# arguments and GPUS, the last; ARGS give them, in this order, then the
# tool's options. tools/SCRIPT gets its positional arguments,
# --launcher pytorch and the options.
dist_launch() {
    local script=$1
    local names=$2
    shift 2
    local -a name_list
    read -r -a name_list <<< "$names"
    local count=${#name_list[@]}
    if [ $# -lt "$count" ]; then
        echo "usage: $0 $names [tools/$script options]" >&2
        exit 2
    fi
    local gpus=${!count}
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    PYTHONPATH="$root:${PYTHONPATH:-}" \
    python -m torch.distributed.run \
        --nnodes="${NNODES:-1}" \
        --node_rank="${NODE_RANK:-0}" \
        --master_addr="${MASTER_ADDR:-127.0.0.1}" \
        --nproc_per_node="$gpus" \
        --master_port="${PORT:-29500}" \
        "$root/tools/$script" \
        "${@:1:count-1}" \
        --launcher pytorch "${@:count+1}"
}
