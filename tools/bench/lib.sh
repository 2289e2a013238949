# Helpers shared by the benchmarks (pretrain.sh, finetune.sh, decode-step-ab.sh, attention-decode.sh);
# source it. Needs $repo (the checkout) set by the caller, and $python for the torch helpers.

# One line about the machine and its load, for the record.
bench_machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Fails with a hint when $python cannot import torch.
bench_need_torch() {
  "$python" -c 'import torch' 2>/dev/null || {
    echo "$(basename "$0"): $python cannot import torch (apt-get install python3-torch libopenblas0-pthread)" >&2; exit 2; }
}

# Sets the array bench_java to a java command line with Cortado's test classes on the class path
# (the dev.cortado.bench mains); builds them first.
bench_test_java() {
  (cd "$repo" && mvn -B -ntp -q test-compile && mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench-classpath.txt >/dev/null)
  bench_java=(java -Xmx4g -Dorg.bytedeco.javacpp.maxBytes=0 -Dorg.bytedeco.javacpp.maxPhysicalBytes=0
    -cp "$repo/target/test-classes:$repo/target/classes:$(cat "$repo/target/bench-classpath.txt")")
}

# OpenMP as tools/cortado runs the kernels: sleeping threads, after a short spin.
bench_cpu_env() {
  export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-1000}"
}

# The median tokens_per_s of a train_log.jsonl after its first WARMUP steps.
bench_median_tps() {  # LOG WARMUP
  "$python" - "$1" "$2" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]):]
print(f"{statistics.median(r['tokens_per_s'] for r in rows):.1f}")
PY
}

# Tokens per CPU-second of the steps a long run has beyond a short one: /usr/bin/time -f "%U %S ..."
# files of both, the number of extra steps and the tokens per step (start-up and untimed steps cancel).
bench_tokens_per_cpu_s() {  # SHORT_TIME_FILE LONG_TIME_FILE STEPS TOKENS_PER_STEP
  awk -v n="$3" -v t="$4" 'NR == FNR { a = $1 + $2; next } { b = $1 + $2 } END { printf "%.1f", t * n / (b - a) }' "$1" "$2"
}
