#!/usr/bin/env bash
# Issue #3: one decoded token's attention over a SmolLM2-135M-shaped f16 KV cache (30 layers), from memory
# (dev.cortado.kernels.AttentionDecodeBench). Usage: tools/bench/attention-decode.sh [POS=576] [THREADS=2] [ITER=800] [hot]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -B -ntp -q test-compile
cp_file=target/bench-classpath.txt
mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-1000}"  # as tools/cortado
java -Xmx2g -cp "target/test-classes:target/classes:$(cat "$cp_file")" dev.cortado.kernels.AttentionDecodeBench \
  "${1:-576}" "${2:-2}" "${3:-800}" ${4:-}
