#!/usr/bin/env bash
# Pretraining speed: `cortado pretrain` against PyTorch (Debian's python3-torch, 1.13 on CPU, with
# libopenblas0-pthread) training the same Llama architecture with the same batch, sequence length
# and threads, one after the other in the same run. Prints both tokens/s (median over the timed
# steps; the first --warmup steps are not timed), tokens per CPU-second (all threads; the fairer
# figure on a shared machine, where the two runs may meet different load) and the ratios.
#
# Usage: tools/bench/pretrain.sh [--threads N] [--steps S] [--warmup W] [--corpus FILE]
# The model: dim 256, 6 layers, 8 heads (4 KV), FFN 704, vocab 4096, sequence 256, batch 8
# (the default chat model's shape). Override with DIM LAYERS HEADS KV_HEADS FFN VOCAB SEQ BATCH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cortado="${CORTADO:-$repo/tools/cortado}"
python="${PYTHON:-/usr/bin/python3}"
threads=2; steps=12; warmup=3
corpus="$repo/../shared/corpus/kjv.txt"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --corpus) corpus="$2"; shift ;;
    *) echo "pretrain.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
DIM=${DIM:-256}; LAYERS=${LAYERS:-6}; HEADS=${HEADS:-8}; KV_HEADS=${KV_HEADS:-4}; FFN=${FFN:-704}
VOCAB=${VOCAB:-4096}; SEQ=${SEQ:-256}; BATCH=${BATCH:-8}
[ -f "$corpus" ] || { echo "pretrain.sh: no corpus at $corpus (give --corpus FILE)" >&2; exit 2; }
. "$here/lib.sh"
bench_need_torch

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "model: dim $DIM, $LAYERS layers, $HEADS heads ($KV_HEADS KV), FFN $FFN, vocab $VOCAB; batch $BATCH x $SEQ tokens; $threads threads" >&2
bench_machine >&2

# The tokenizer only sets the vocabulary size; the text is the first 2 MB of the corpus.
head -c 2000000 "$corpus" > "$work/text.txt"
"$cortado" tokenizer train --input "$work/text.txt" --vocab-size "$VOCAB" --out "$work/tok" \
  --special-tokens '<|endoftext|>,<|im_start|>,<|im_end|>' >/dev/null 2>&1

# Cortado's CPU time per step: the CPU time of a run of warmup + steps steps less that of a run of
# warmup steps (start-up, tokenizing and the untimed steps cancel out).
cpu_of() {  # steps: one pretrain run, timed into $work/time.<steps>
  /usr/bin/time -f "%U %S %M" -o "$work/time.$1" "$cortado" pretrain --tokenizer "$work/tok/tokenizer.json" \
    --data "$work/text.txt" --out "$work/m$1.gguf" --dim "$DIM" --layers "$LAYERS" --heads "$HEADS" \
    --kv-heads "$KV_HEADS" --ffn "$FFN" --ctx "$SEQ" --batch "$BATCH" --steps "$1" --eval-split 0 \
    --threads "$threads" 2>"$work/cortado.err" || { cat "$work/cortado.err" >&2; exit 1; }
}
cpu_of "$warmup"
cpu_of "$((warmup + steps))"
mv "$work/m$((warmup + steps)).run" "$work/m.run"
cortado_tps="$(bench_median_tps "$work/m.run/train_log.jsonl" "$warmup")"
cortado_cps="$(bench_tokens_per_cpu_s "$work/time.$warmup" "$work/time.$((warmup + steps))" "$steps" "$((BATCH * SEQ))")"
echo "cortado tokens/s $cortado_tps tokens/cpu-s $cortado_cps (steps $steps after $warmup untimed)"

torch_line="$("$python" "$here/pretrain_torch.py" --dim "$DIM" --layers "$LAYERS" --heads "$HEADS" --kv-heads "$KV_HEADS" \
  --ffn "$FFN" --vocab "$VOCAB" --seq-len "$SEQ" --batch "$BATCH" --threads "$threads" --steps "$steps" --warmup-steps "$warmup")"
echo "$torch_line"
torch_tps="$(echo "$torch_line" | awk '{print $3}')"
torch_cps="$(echo "$torch_line" | awk '{print $5}')"
awk -v c="$cortado_tps" -v t="$torch_tps" -v cc="$cortado_cps" -v tc="$torch_cps" \
  'BEGIN { printf "ratio cortado/torch %.2fx wall-clock, %.2fx per CPU-second\n", c / t, cc / tc }'
