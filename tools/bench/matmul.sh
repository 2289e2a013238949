#!/usr/bin/env bash
# Micro benchmark of Cortado's matmul kernels (dev.cortado.kernels.MatmulBench, in the test sources):
# T = 1 decoding speed as GB/s of weight bytes (weights cycled through > 128 MiB, beyond L3) and
# T = 512 prefill GFLOP/s (forward and backward-x), per weight type, for each thread count.
# Usage: tools/bench/matmul.sh [C] [OC] [prefillT] [threads,...] [type,...]
#   e.g. tools/bench/matmul.sh 4096 4096 512 1,2 q4_0,q4_k
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -B -ntp -q test-compile
cp_file=target/bench-classpath.txt
mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-1000}"  # as tools/cortado
exec "${JAVA:-java}" -Dorg.bytedeco.javacpp.maxBytes=0 -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 \
  -cp "target/test-classes:target/classes:$(cat "$cp_file")" dev.cortado.kernels.MatmulBench "$@"
