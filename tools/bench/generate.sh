#!/usr/bin/env bash
# Issue #3: generation and prompt-processing speed of Cortado against llama.cpp on the same GGUF files,
# same thread count, in the same run, plus the memory-bandwidth bound of generation.
#   - makes random-weight models of real shapes (dev.cortado.bench.RandomModel; written to $BENCH_DIR,
#     default /tmp/cortado-bench, reused when present): SmolLM2-135M and Llama-3.2-1B shapes,
#     with the weights in q8_0 / q4_0 / q4_k / q4_k_m (llama.cpp's mix: q6_k for the output and some
#     attn_v / ffn_down) (norms f32, embeddings tied as in the real models)
#   - Cortado: dev.cortado.bench.GenerateBench (Transformer on token ids, after a warm-up)
#   - llama.cpp: generate-llamacpp.mjs (node-llama-cpp 3.22.1 prebuilt CPU binary, installed into
#     tools/bench/node_modules with downloads and builds disabled) on the same ids
#   - read bandwidth: readbw.c (sum of a 1 GiB buffer on 2 MiB pages, as the engine keeps its weights),
#     bound = bandwidth / model bytes per token.
#     GenerateBench runs readbw right before each repetition's tg steps and right before its tg0 steps;
#     the bw column is the median of those runs, and each "/ bound" column the median over the
#     repetitions of that repetition's speed over the bound of the bandwidth measured just before it
#     (the host's bandwidth drifts by a third within minutes)
#   - steal %: the share of the host's CPU time the hypervisor gave to other guests during Cortado's timed
#     repetitions (/proc/stat); the paired bound does not see cores taken away
#   - tg: generation right after the P-token prompt (the cache holds P..P+G positions); tg0: G tokens
#     from an empty context, as llama-bench's tg128; bound+KV adds the f16 KV cache a tg step reads
# Usage: tools/bench/generate.sh [models...]   models like smollm2-135m:q4_0 llama3.2-1b:q4_0
# Env: THREADS (2), P (512 prompt tokens), G (128 generated), REPS (3), BATCH (Cortado prompt batch, 128 as `cortado generate`)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
threads=${THREADS:-2} P=${P:-512} G=${G:-128} reps=${REPS:-3} batch=${BATCH:-128}
dir=${BENCH_DIR:-/tmp/cortado-bench}
vocab=${CORTADO_SHARED:-$root/../shared}/tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(smollm2-135m:q8_0 smollm2-135m:q4_0 smollm2-135m:q4_k llama3.2-1b:q4_0)
mkdir -p "$dir"

mvn -B -ntp -q test-compile
cp_file=target/bench-classpath.txt
mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
java=(java -Xmx4g -XX:MaxDirectMemorySize=8g -Dorg.bytedeco.javacpp.maxBytes=0 -Dorg.bytedeco.javacpp.maxPhysicalBytes=0
      -cp "target/test-classes:target/classes:$(cat "$cp_file")")
if [ ! -d "$here/node_modules/@node-llama-cpp/linux-x64" ]; then
  (cd "$here" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --omit=optional --no-save --no-package-lock \
    node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1 >/dev/null)
fi
${CC:-cc} -O3 -march=native -fopenmp "$here/readbw.c" -o "$dir/readbw"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-1000}"  # as tools/cortado

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
printf '%s, %s threads, prompt %s tokens, generate %s tokens, best of %s, %s\n' "$(date -u +%F)" "$threads" "$P" "$G" "$reps" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%s\n' '| model | file MB | bw GB/s | bound tok/s | Cortado pp | llama.cpp pp | pp ratio | Cortado tg | llama.cpp tg | tg ratio | tg / bound | tg / bound+KV | Cortado tg0 | llama.cpp tg0 | tg0 ratio | tg0 / bound | Cortado RSS MB | llama.cpp RSS MB | steal % |'
echo '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'
for m in "${models[@]}"; do
  shape=${m%%:*} type=${m##*:}
  f=$dir/$shape-$type.gguf
  [ -f "$f" ] || "${java[@]}" dev.cortado.bench.RandomModel "$shape" "$type" "$f" "$vocab"
  bytes=$(stat -c %s "$f") mb=$(( $(stat -c %s "$f") / 1000000 ))
  cat "$f" >/dev/null  # page cache
  c=$("${java[@]}" dev.cortado.bench.GenerateBench "$f" "$threads" "$P" "$G" "$batch" "$reps" "$dir/readbw")
  l=$(cd "$here" && node generate-llamacpp.mjs "$f" "$threads" "$P" "$G" "$reps")
  awk -v m="$m" -v mb="$mb" -v bytes="$bytes" -v bw="$(field bw "$c")" -v tgb="$(field tg_bound "$c")" \
      -v tgkvb="$(field tgkv_bound "$c")" -v tg0b="$(field tg0_bound "$c")" \
      -v cpp="$(field pp "$c")" -v ctg="$(field tg "$c")" -v ctg0="$(field tg0 "$c")" -v crss="$(field rss_mb "$c")" \
      -v lpp="$(field pp "$l")" -v ltg="$(field tg "$l")" -v ltg0="$(field tg0 "$l")" -v lrss="$(field rss_mb "$l")" -v steal="$(field steal "$c")" 'BEGIN {
    bound = bw * 1e9 / bytes  # weights only, as issue #3 defines it (the ratios come paired from GenerateBench)
    printf "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | %.0f%% | %.0f%% | %.1f | %.1f | %.2f | %.0f%% | %d | %d | %s |\n",
      m, mb, bw, bound, cpp, lpp, cpp / lpp, ctg, ltg, ctg / ltg, 100 * tgb, 100 * tgkvb,
      ctg0, ltg0, ctg0 / ltg0, 100 * tg0b, crss, lrss, steal == "" ? "?" : steal }'
done
