#!/usr/bin/env bash
# Spark tokenizer training at scale: assembles a corpus of SIZE_MB (default 1024) from ../shared/corpus
# (each copy: lines shuffled, and a share of the words mutated per copy, so the vocabulary keeps growing),
# runs `cortado spark train-tokenizer` with a capped heap, and checks the result against the single-machine
# trainer on a smaller slice. Needs `make` and `mvn -B -ntp package -Pspark -DskipTests` first.
# Env: SIZE_MB (1024), PARTS (how many of the ~88 MB part files to train on; default all), SLICE_MB (32), VOCAB (8000), MAX_WORDS (1000000), HEAP (1g), WORK (/tmp/cortado-spark-bench)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
size_mb="${SIZE_MB:-1024}"; slice_mb="${SLICE_MB:-32}"; vocab="${VOCAB:-8000}"
max_words="${MAX_WORDS:-1000000}"; heap="${HEAP:-1g}"; work="${WORK:-/tmp/cortado-spark-bench}"
shared="${CORTADO_SHARED:-$here/../shared}"
mkdir -p "$work/corpus"

if [ ! -f "$work/corpus/.done-$size_mb" ]; then
  rm -f "$work/corpus/"*
  python3 - "$shared/corpus" "$work/corpus" "$size_mb" <<'PY'
import os, random, sys
src, dst, size_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = []
for f in sorted(os.listdir(src)):
    with open(os.path.join(src, f), encoding="utf-8", errors="replace") as fh:
        lines += [l for l in fh.read().split("\n") if l.strip()]
target, written, copy, part = size_mb << 20, 0, 0, None
letters = "abcdefghijklmnopqrstuvwxyz"
while written < target:
    rnd = random.Random(copy)
    order = list(range(len(lines)))
    rnd.shuffle(order)
    # about 1 word in 12 gets a suffix of its copy's own: new distinct words in every copy
    suffix = "".join(letters[(copy >> (5 * i)) % 26] for i in range(3))
    out = []
    for i in order:
        words = lines[i].split(" ")
        for k in range(len(words)):
            if rnd.random() < 1 / 12 and words[k].isalpha():
                words[k] = words[k] + suffix[: 1 + (k % 3)]
        out.append(" ".join(words))
    data = ("\n".join(out) + "\n").encode("utf-8")
    with open(os.path.join(dst, "part-%04d.txt" % (copy // 10)), "ab") as fh:
        fh.write(data)
    written += len(data)
    copy += 1
print("corpus: %d copies, %.0f MB in %s" % (copy, written / 1e6, dst))
PY
  touch "$work/corpus/.done-$size_mb"
fi
du -sh "$work/corpus"

echo "== Spark, local[2], heap $heap, --max-words $max_words, vocab $vocab"
inputs=$(ls "$work"/corpus/part-*.txt | head -n "${PARTS:-100000}")
du -ch $inputs | tail -1
/usr/bin/time -v env CORTADO_JAVA_OPTS="-Xmx$heap" "$here/tools/cortado" spark train-tokenizer --master 'local[2]' \
  --input $inputs --out "$work/spark-out" --vocab-size "$vocab" --max-words "$max_words" \
  2> "$work/spark-time.txt" | tee "$work/spark-stdout.txt"
grep -E "Elapsed|Maximum resident" "$work/spark-time.txt"
cat "$work/spark-out/summary.json"

echo "== equality on a ${slice_mb} MB slice: Spark vs cortado tokenizer train --held-out 0"
mkdir -p "$work/slice"
head -c $((slice_mb << 20)) "$work/corpus/part-0000.txt" > "$work/slice/slice.txt"
CORTADO_JAVA_OPTS="-Xmx$heap" "$here/tools/cortado" spark train-tokenizer --master 'local[2]' \
  --input "$work/slice/slice.txt" --out "$work/slice-spark" --vocab-size "$vocab" > /dev/null
/usr/bin/time -v "$here/tools/cortado" tokenizer train --input "$work/slice/slice.txt" --held-out 0 \
  --out "$work/slice-single" --vocab-size "$vocab" 2> "$work/single-time.txt" > /dev/null
grep -E "Elapsed|Maximum resident" "$work/single-time.txt"
for f in tokenizer.json tokenizer.tiktoken; do
  if cmp -s "$work/slice-spark/$f" "$work/slice-single/$f"; then echo "$f: identical"; else echo "$f: DIFFERENT"; fi
done
