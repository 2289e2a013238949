#!/usr/bin/env bash
# Issue #3: one decoded token as one native call (model.DecodeStep) against the kernel-by-kernel path,
# in one process on one loaded model, modes alternating (dev.cortado.model.DecodeStepAB).
# Usage: tools/bench/decode-step-ab.sh MODEL.gguf [THREADS=2] [P=512] [G=64] [R=4]
#   extra JVM options in JAVA_OPTS (e.g. -Dcortado.repack=false to compare on the stored layouts)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -B -ntp -q test-compile
cp_file=target/bench-classpath.txt
mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-1000}"  # as tools/cortado
java -Xmx4g ${JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat "$cp_file")" dev.cortado.model.DecodeStepAB \
  "$1" "${2:-2}" "${3:-512}" "${4:-64}" "${5:-4}"
