#!/usr/bin/env bash
# Fine-tuning speed (issue #8): `cortado finetune` (LoRA, then QLoRA) against PyTorch (Debian's
# python3-torch, 1.13 on CPU, with libopenblas0-pthread; finetune_torch.py, the same LoRA math written
# plainly) on a random-weight SmolLM2-135M-shaped model, same batch, sequence length and threads, one
# after the other in the same run. Prints per run: tokens/s (median over the timed steps; the first
# --warmup steps are not timed), tokens per CPU-second (all threads; the fairer figure on a shared
# machine), peak RSS (/usr/bin/time %M), and QLoRA's resident frozen base against the F32 base.
#
# Usage: tools/bench/finetune.sh [--threads N] [--steps S] [--warmup W] [--batch B] [--corpus FILE]
# The model: SmolLM2-135M's shape (dim 576, 30 layers, 9 heads (3 KV), FFN 1536, vocab 49152, tied
# embeddings), F32 random weights (dev.cortado.bench.RandomModel, kept in $BENCH_DIR, default
# /tmp/cortado-bench); LoRA rank 8 (alpha 16) on q,k,v,o,gate,up,down; sequence 256.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cortado="${CORTADO:-$repo/tools/cortado}"
python="${PYTHON:-/usr/bin/python3}"
threads=2; steps=5; warmup=2; batch=2
corpus="$repo/../shared/corpus/kjv.txt"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --batch) batch="$2"; shift ;;
    --corpus) corpus="$2"; shift ;;
    *) echo "finetune.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
SEQ=256; RANK=8
. "$here/lib.sh"
[ -f "$corpus" ] || { echo "finetune.sh: no corpus at $corpus (give --corpus FILE)" >&2; exit 2; }
bench_need_torch
export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"

dir="${BENCH_DIR:-/tmp/cortado-bench}"
model="$dir/smollm2-135m-f32.gguf"
mkdir -p "$dir"
if [ ! -f "$model" ]; then
  bench_test_java
  "${bench_java[@]}" dev.cortado.bench.RandomModel smollm2-135m f32 "$model" \
    "$repo/../shared/tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "model: SmolLM2-135M shape, F32 random weights ($model); LoRA rank $RANK on q,k,v,o,gate,up,down; batch $batch x $SEQ tokens; $threads threads" >&2
bench_machine >&2
head -c 400000 "$corpus" > "$work/data.txt"  # ~100k tokens: more than the steps read
cat "$model" > /dev/null  # page cache, so the first run does not pay for the disk

tokens=$((batch * SEQ))
run_cortado() {  # NAME STEPS [--qlora]: one finetune run, timed into $work/time.NAME.STEPS
  local name="$1" n="$2"; shift 2
  /usr/bin/time -f "%U %S %M" -o "$work/time.$name.$n" "$cortado" finetune --model "$model" --data "$work/data.txt" \
    --out "$work/$name.$n" --rank "$RANK" --targets q,k,v,o,gate,up,down --seq-len "$SEQ" --batch "$batch" --steps "$n" \
    --eval-split 0 --threads "$threads" "$@" 2>"$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
}
report_cortado() {  # NAME: prints its figures
  local name="$1" long=$((warmup + steps))
  local tps cps rss
  tps="$(bench_median_tps "$work/$name.$long/train_log.jsonl" "$warmup")"
  cps="$(bench_tokens_per_cpu_s "$work/time.$name.$warmup" "$work/time.$name.$long" "$steps" "$tokens")"
  rss="$(awk '{ printf "%.0f", $3 / 1024 }' "$work/time.$name.$long")"
  echo "cortado-$name tokens/s $tps tokens/cpu-s $cps peak-rss-mb $rss"
}
for kind in lora qlora; do
  flag=(); [ "$kind" = qlora ] && flag=(--qlora)
  run_cortado "$kind" "$warmup" "${flag[@]}"
  run_cortado "$kind" "$((warmup + steps))" "${flag[@]}"
  report_cortado "$kind" | tee "$work/$kind.line"
done
grep -h "QLoRA:" "$work/qlora.err" | sed 's/^/cortado-qlora /'

/usr/bin/time -f "%M" -o "$work/time.torch" "$python" "$here/finetune_torch.py" --dim 576 --layers 30 --heads 9 --kv-heads 3 \
  --ffn 1536 --vocab 49152 --seq-len "$SEQ" --batch "$batch" --threads "$threads" --rank "$RANK" --alpha 16 --theta 100000 \
  --steps "$steps" --warmup-steps "$warmup" > "$work/torch.line"
echo "$(cat "$work/torch.line") peak-rss-mb $(awk '{ printf "%.0f", $1 / 1024 }' "$work/time.torch")"
torch_tps="$(awk '{print $3}' "$work/torch.line")"
torch_cps="$(awk '{print $5}' "$work/torch.line")"
for kind in lora qlora; do
  awk -v k="$kind" -v t="$torch_tps" -v tc="$torch_cps" \
    '{ printf "ratio cortado-%s/torch %.2fx wall-clock, %.2fx per CPU-second\n", k, $3 / t, $5 / tc }' "$work/$kind.line"
done
echo "after: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
