#!/usr/bin/env bash
# Cortado before/after on one model: dev.cortado.bench.GenerateBench with another build's classes
# (BASE, a copy of an earlier build's target/classes and target/test-classes) and this checkout's,
# alternating base, new, base, new, ... so that both see the same load; prints the load average with
# each line. ppcpu_ms (CPU ms per prompt token) is the figure the machine's load distorts least.
# Usage: BASE=/tmp/prefill-base R=2 P=256 G=16 [BATCH=32] [BASE_BATCH=$BATCH] tools/bench/generate-ab.sh model.gguf
#   (make BASE with: cp -r target/classes target/test-classes /tmp/prefill-base/ before the change)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -B -ntp -q test-compile
cp_file=target/bench-classpath.txt
mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-1000}"  # as tools/cortado
base=${BASE:?set BASE to the earlier build} P=${P:-256} G=${G:-16} BATCH=${BATCH:-32}
BASE_BATCH=${BASE_BATCH:-$BATCH}  # BASE=target with BASE_BATCH != BATCH compares batch sizes on one build
for _ in $(seq "${R:-2}"); do
  for side in base new; do
    if [ "$side" = base ]; then c="$base/test-classes:$base/classes" b=$BASE_BATCH; else c=target/test-classes:target/classes b=$BATCH; fi
    echo "$side b=$b $(uptime | sed 's/.*load/load/') $(java -Xmx4g -XX:MaxDirectMemorySize=8g -Dorg.bytedeco.javacpp.maxBytes=0 \
      -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -cp "$c:$(cat "$cp_file")" dev.cortado.bench.GenerateBench "$1" 2 "$P" "$G" "$b" 1 | tail -1)"
  done
done
