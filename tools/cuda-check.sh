#!/usr/bin/env bash
# Checks the CUDA kernels on a GPU machine in one step, from a machine that has nvcc.
#
#   here (nvcc, no GPU needed):   tools/cuda-check.sh build
#   on the GPU machine:           tools/cuda-check.sh run      (writes $OUT/cuda-check.txt)
#
# Through the device tool (the GPU machine has no nvcc and no Java; the binary needs only
# glibc >= 2.34, libstdc++ and the NVIDIA driver: the CUDA runtime and libgomp are linked in):
#   1. here:  tools/cuda-check.sh build
#   2. run(command="tools/cuda-check.sh run", carry=["native/build/cuda/check_kernels"], timeout_s=600)
#   3. read cuda-check.txt under files_at: one PASS/FAIL line per case (normalised error
#      max|cuda - cpu| / max|cpu| against its bound), "N cases, M failed", then BENCH lines
#      (matmul GB/s and TFLOP/s at C=2048, OC=8192, T=1 and T=512 for every weight type).
# A FILTER argument after `run` narrows the cases (e.g. `run "matmul q4_k"`, `run attention`).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=native/build/cuda/check_kernels

case "${1:-}" in
build)
    make -C native archives cuda-check
    ldd "$BIN"
    ;;
run)
    shift
    out="${OUT:-.}/cuda-check.txt"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out" 2>&1 || true
    set +e
    "$BIN" --require-gpu "$@" 2>&1 | tee -a "$out"
    rc=${PIPESTATUS[0]}
    echo "exit status $rc" | tee -a "$out"
    exit "$rc"
    ;;
*)
    sed -n '2,16p' "$0"
    exit 2
    ;;
esac
