#!/usr/bin/env bash
# Spark tokenizer training at scale: assembles a corpus of SIZE_MB (default 1024) from ../shared/corpus
# with a long tail of distinct words (tools/bench/SparkCorpus.java: each copy's lines shuffled and a
# SHARE of the words replaced by synthetic forms drawn with P(id) ~ 1/id over 2^40 ids, so distinct
# pieces grow into the tens of millions as in web text), runs `cortado spark train-tokenizer` in one
# JVM with a capped heap and Spark's event log on, reports wall time, peak RSS, Spark's peak execution
# memory and spills, and what the single-machine trainer's word table would need for the same pieces;
# then checks the result against the single-machine trainer on a smaller slice.
# Needs `make` and `mvn -B -ntp package -Pspark -DskipTests` first.
# Env: SIZE_MB (1024), SHARE (0.4), SLICE_MB (32), VOCAB (8000), MAX_WORDS (1000000), HEAP (512m),
#      MASTER (local[2]), WORK (/tmp/cortado-spark-bench)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
size_mb="${SIZE_MB:-1024}"; share="${SHARE:-0.4}"; slice_mb="${SLICE_MB:-32}"; vocab="${VOCAB:-8000}"
max_words="${MAX_WORDS:-1000000}"; heap="${HEAP:-512m}"; master="${MASTER:-local[2]}"
work="${WORK:-/tmp/cortado-spark-bench}"
shared="${CORTADO_SHARED:-$here/../shared}"
mkdir -p "$work/corpus"

marker="$work/corpus/.done-zipf-$size_mb-$share"
if [ ! -f "$marker" ]; then
  rm -f "$work/corpus/"* "$work/corpus/".done*
  java "$here/tools/bench/SparkCorpus.java" "$shared/corpus" "$work/corpus" "$size_mb" "$share"
  touch "$marker"
fi
du -sh "$work/corpus"

echo "== Spark, $master, -Xmx$heap, --max-words $max_words, vocab $vocab"
rm -rf "$work/events" "$work/spark-tmp" "$work/spark-out"; mkdir -p "$work/events" "$work/spark-tmp"
spark_opts="-Xmx$heap -Dspark.eventLog.enabled=true -Dspark.eventLog.dir=file:$work/events"
spark_opts+=" -Dspark.eventLog.logStageExecutorMetrics=true -Dspark.executor.metrics.pollingInterval=500"
spark_opts+=" -Dspark.local.dir=$work/spark-tmp"
/usr/bin/time -v env CORTADO_JAVA_OPTS="$spark_opts" "$here/tools/cortado" spark train-tokenizer --master "$master" \
  --input "$work"/corpus/part-*.txt --out "$work/spark-out" --vocab-size "$vocab" --max-words "$max_words" \
  2> "$work/spark-time.txt" | grep -v -E 'WARN +org.apache.spark.storage' | tee "$work/spark-stdout.txt" || { tail -30 "$work/spark-time.txt"; exit 1; }
grep -E "Elapsed|Maximum resident|User time|System time" "$work/spark-time.txt"
cat "$work/spark-out/summary.json"
# Spark's own figures, from the event log: per-task peak execution memory and spills, the JVM's peak heap
python3 - "$work"/events/* <<'PY'
import json, sys
peak_task = spilled_mem = spilled_disk = shuffle_w = tasks = 0
peaks = {}
def walk(d):
    if isinstance(d, dict):
        for k, v in d.items():
            if k in ("JVMHeapMemory", "OnHeapExecutionMemory", "OnHeapStorageMemory") and isinstance(v, int):
                peaks[k] = max(peaks.get(k, 0), v)
            walk(v)
    elif isinstance(d, list):
        for v in d: walk(v)
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("Event") == "SparkListenerTaskEnd":
        m = e.get("Task Metrics") or {}
        tasks += 1
        peak_task = max(peak_task, m.get("Peak Execution Memory", 0))
        spilled_mem += m.get("Memory Bytes Spilled", 0)
        spilled_disk += m.get("Disk Bytes Spilled", 0)
        shuffle_w += (m.get("Shuffle Write Metrics") or {}).get("Shuffle Bytes Written", 0)
    walk(e.get("Task Executor Metrics")); walk(e.get("Executor Metrics")); walk(e.get("Executor Metrics Updated"))
MiB = 1 << 20
print("spark: %d tasks, peak execution memory of a task %.0f MiB, spilled %.0f MiB (memory) / %.0f MiB (disk), shuffle written %.0f MiB"
      % (tasks, peak_task / MiB, spilled_mem / MiB, spilled_disk / MiB, shuffle_w / MiB))
print("spark: JVM peaks " + ", ".join("%s %.0f MiB" % (k, v / MiB) for k, v in sorted(peaks.items())))
PY

echo "== equality on a ${slice_mb} MB slice: Spark vs cortado tokenizer train --held-out 0"
mkdir -p "$work/slice"
head -c $((slice_mb << 20)) "$work/corpus/part-0000.txt" > "$work/slice/slice.txt"
rm -rf "$work/slice-spark" "$work/slice-single"
CORTADO_JAVA_OPTS="-Xmx$heap" "$here/tools/cortado" spark train-tokenizer --master "$master" \
  --input "$work/slice/slice.txt" --out "$work/slice-spark" --vocab-size "$vocab" > /dev/null
/usr/bin/time -v "$here/tools/cortado" tokenizer train --input "$work/slice/slice.txt" --held-out 0 \
  --out "$work/slice-single" --vocab-size "$vocab" 2> "$work/single-time.txt" | tee "$work/single-stdout.txt"
grep -E "Elapsed|Maximum resident" "$work/single-time.txt"
for f in tokenizer.json tokenizer.tiktoken; do
  if cmp -s "$work/slice-spark/$f" "$work/slice-single/$f"; then echo "$f: identical"; else echo "$f: DIFFERENT"; fi
done

echo "== the single-machine trainer's word table, measured on the slice and scaled to the corpus's distinct pieces"
java -Xmx2g -cp "$here/target/cortado.jar" "$here/tools/bench/PieceTableSize.java" "$work/slice/slice.txt" | tee "$work/table.txt"
python3 - "$work/table.txt" "$work/spark-out/summary.json" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
n, b = (int(x) for x in re.search(r"(\d+) distinct pieces, (\d+) bytes of pieces", t).groups())
full = json.load(open(sys.argv[2]))["distinct_pieces"]
def p2(x):
    k = 16
    while k < x: k *= 2
    return k
# WordTable: hashes/offsets/lengths/counts (24 B) per entry in power-of-two arrays, int slots at most half full,
# the pieces' bytes in an arena that doubles; the bytes per piece as on the slice
arena = full * b / n
lo = 24 * full + 4 * 2 * full + arena
hi = 24 * p2(full) + 4 * p2(2 * full + 1) + p2(arena)
print("single machine: %d distinct pieces need a word table of %.2f-%.2f GiB to count without pruning (plus the merge loop's ~%.2f GiB for symbols and word arrays)"
      % (full, lo / 2**30, hi / 2**30, (4 * arena + 20 * full) / 2**30))
PY
