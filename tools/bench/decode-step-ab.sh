#!/usr/bin/env bash
# Issue #3: one decoded token as one native call (model.DecodeStep) against the kernel-by-kernel path,
# in one process on one loaded model, modes alternating (dev.cortado.model.DecodeStepAB).
# Usage: tools/bench/decode-step-ab.sh MODEL.gguf [THREADS=2] [P=512] [G=64] [R=4]
#   extra JVM options in JAVA_OPTS (e.g. -Dcortado.repack=false to compare on the stored layouts)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$repo/tools/bench/lib.sh"
bench_test_java
bench_cpu_env
exec "${bench_java[@]}" ${JAVA_OPTS:-} dev.cortado.model.DecodeStepAB "$1" "${2:-2}" "${3:-512}" "${4:-64}" "${5:-4}"
