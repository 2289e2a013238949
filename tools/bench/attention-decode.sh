#!/usr/bin/env bash
# Issue #3: one decoded token's attention over a SmolLM2-135M-shaped f16 KV cache (30 layers), from memory
# (dev.cortado.kernels.AttentionDecodeBench). Usage: tools/bench/attention-decode.sh [POS=576] [THREADS=2] [ITER=800] [hot]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$repo/tools/bench/lib.sh"
bench_test_java
bench_cpu_env
exec "${bench_java[@]}" dev.cortado.kernels.AttentionDecodeBench "${1:-576}" "${2:-2}" "${3:-800}" ${4:-}
