#!/usr/bin/env bash
# The default chat model's recipe, from raw text to a quantized chat GGUF, with Cortado's own
# commands only (plus make-dialogues.py, which writes the synthetic dialogue set):
#   1. the King James Bible (Debian's bible-kjv if installed, else ../shared/corpus/kjv.txt)
#   2. cortado tokenizer train     byte-level BPE with ChatML's special tokens
#   3. make-dialogues.py           greetings, Bible questions, small instructions, refusals
#   4. cortado pretrain            a small Llama from random weights on the Bible (+ the dialogues)
#   5. cortado finetune            LoRA on the dialogues (ChatML, assistant tokens only)
#   6. cortado lora merge          the adapter folded into the base
#   7. cortado quantize --type q8_0
#   8. a check: `cortado chat` answers "Hello" and stops at the end of its turn
#
# Usage: tools/default-model/recipe.sh [--smoke] [--out DIR] [--threads N]
#   --smoke   a reduced run (small corpus slice, tiny model, a few steps; well under 2 minutes) that
#             CI runs so the recipe does not rot; its model is not meant to be good.
#   --out     the work directory (default: target/default-model, or a temporary directory with
#             --smoke): the corpus, tokenizer/, base.gguf + base.run/ (log, loss.svg, checkpoints),
#             dialogues.jsonl, sft/, merged.gguf, default-model.gguf and summary.txt (the numbers for
#             testdata/README.md's card). The full run also copies the result to
#             testdata/default-model.gguf, the model `cortado chat` uses without --model.
# Re-running after an interruption resumes the pretraining from its last checkpoint.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cortado="${CORTADO:-$repo/tools/cortado}"

smoke=0
out=""
threads=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --out) out="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "recipe.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$out" ]; then
  if [ "$smoke" = 1 ]; then out="$(mktemp -d)"; else out="$repo/target/default-model"; fi
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
log() { printf '\n== %s\n' "$*" >&2; }

# ---- sizes: the full recipe fits about an hour on 2 cores; --smoke a minute ----
if [ "$smoke" = 1 ]; then
  vocab=320; dim=32; layers=2; heads=4; kv_heads=2; ffn=96; ctx=128
  pre_steps=8; pre_batch=4; pre_lr=3e-3; save_every=4
  dialogues=120; ft_steps=6; ft_batch=4; ft_rank=4; ft_lr=3e-3
else
  vocab=4096; dim=256; layers=6; heads=8; kv_heads=4; ffn=704; ctx=256
  pre_steps=1600; pre_batch=8; pre_lr=1e-3; save_every=100
  dialogues=4000; ft_steps=300; ft_batch=8; ft_rank=16; ft_lr=1e-3
fi
seed=1
tok_threads=()
if [ "$threads" != 0 ]; then tok_threads=(--threads "$threads"); fi

# ---- 1. the corpus ----
corpus="$out/kjv.txt"
if command -v bible >/dev/null 2>&1; then
  log "corpus: bible -l100000 \"gen1:1-rev22:21\" (Debian bible-kjv)"
  bible -l100000 "gen1:1-rev22:21" > "$corpus.tmp"
elif [ -f "$repo/../shared/corpus/kjv.txt" ]; then
  log "corpus: ../shared/corpus/kjv.txt"
  cp "$repo/../shared/corpus/kjv.txt" "$corpus.tmp"
else
  echo "recipe.sh: no King James text: install Debian's bible-kjv (apt-get install bible-kjv) or put it at ../shared/corpus/kjv.txt" >&2
  exit 2
fi
if [ "$smoke" = 1 ]; then head -n 400 "$corpus.tmp" > "$corpus"; rm -f "$corpus.tmp"; else mv "$corpus.tmp" "$corpus"; fi

# ---- 2. the tokenizer ----
log "tokenizer: $vocab tokens"
"$cortado" tokenizer train --input "$corpus" --vocab-size "$vocab" --out "$out/tokenizer" \
  --special-tokens '<|endoftext|>,<|im_start|>,<|im_end|>' --seed "$seed" "${tok_threads[@]}"

# ---- 3. the dialogues ----
log "dialogues: $dialogues conversations"
python3 "$here/make-dialogues.py" --corpus "$corpus" --out "$out/dialogues.jsonl" --count "$dialogues" --seed "$seed"

# ---- 4. pretraining ----
# The dialogues go into the pretraining data too (about a tenth of the sequences, loss on the
# assistant's tokens only): a model this small learns ChatML's turns and where <|im_end|> falls far
# more reliably from seeing them throughout than from a short LoRA pass alone (measured: with the
# KJV alone, a small base fine-tuned with LoRA kept talking past its turn). MIX_DIALOGUES=0 turns it off.
log "pretrain: dim $dim, $layers layers, $heads heads ($kv_heads KV), FFN $ffn, context $ctx, $pre_steps steps of $pre_batch x $ctx"
resume=()
if [ -d "$out/base.run/checkpoints" ] && [ -n "$(ls -A "$out/base.run/checkpoints" 2>/dev/null)" ]; then
  resume=(--resume "$out/base.run")
fi
pre_data=("$corpus")
if [ "${MIX_DIALOGUES:-1}" = 1 ]; then pre_data+=("$out/dialogues.jsonl"); fi
"$cortado" pretrain --tokenizer "$out/tokenizer/tokenizer.json" --data "${pre_data[@]}" --out "$out/base.gguf" \
  --dim "$dim" --layers "$layers" --heads "$heads" --kv-heads "$kv_heads" --ffn "$ffn" --ctx "$ctx" \
  --steps "$pre_steps" --batch "$pre_batch" --lr "$pre_lr" --save-every "$save_every" --seed "$seed" \
  --threads "$threads" "${resume[@]}"

# ---- 5. LoRA fine-tuning ----
log "finetune: LoRA rank $ft_rank, $ft_steps steps"
rm -rf "$out/sft"
"$cortado" finetune --model "$out/base.gguf" --data "$out/dialogues.jsonl" --out "$out/sft" \
  --rank "$ft_rank" --alpha "$((ft_rank * 2))" --steps "$ft_steps" --batch "$ft_batch" --seq-len "$ctx" \
  --lr "$ft_lr" --warmup 0.05 --seed "$seed" --threads "$threads"

# ---- 6. merge, 7. quantize ----
log "merge and quantize"
"$cortado" lora merge --model "$out/base.gguf" --lora "$out/sft/adapter.gguf" --out "$out/merged.gguf"
"$cortado" quantize "$out/merged.gguf" "$out/default-model.gguf" --type q8_0

# ---- 8. check: a greeting gets a reply that stops at the end of the turn ----
log "check: cortado chat"
reply="$(printf 'Hello\n' | "$cortado" chat --model "$out/default-model.gguf" --temp 0 --max-tokens 64 --threads "$threads")"
printf 'Hello -> %s\n' "$reply" >&2
if [ "$smoke" = 0 ]; then  # a smoke model is too small to have learnt the turn format
  case "$reply" in
    *'<|im_'*) echo "recipe.sh: the reply shows template markers" >&2; exit 1 ;;
  esac
fi

# ---- the numbers for the card ----
last_loss() {  # the last train loss and eval loss in a train_log.jsonl
  python3 -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
ev=[r["eval_loss"] for r in rows if "eval_loss" in r]
print("steps %d, tokens %d, final train loss %.4f, final eval loss %s, %.0f s" % (rows[-1]["step"], sum(r["tokens"] for r in rows),
      rows[-1]["loss"], "%.4f" % ev[-1] if ev else "n/a", rows[-1]["elapsed_s"]))' "$1"
}
{
  echo "corpus: $(wc -c < "$corpus") bytes, $(wc -l < "$corpus") lines"
  echo "tokenizer: vocab $vocab (byte-level BPE, GPT-2 pattern, <|endoftext|> <|im_start|> <|im_end|>)"
  echo "model: llama, dim $dim, $layers layers, $heads heads ($kv_heads KV), FFN $ffn, context $ctx"
  echo "pretrain: batch $pre_batch x $ctx, lr $pre_lr: $(last_loss "$out/base.run/train_log.jsonl")"
  echo "finetune: $dialogues dialogues, LoRA rank $ft_rank, batch $ft_batch, lr $ft_lr: $(last_loss "$out/sft/train_log.jsonl")"
  echo "result: $(wc -c < "$out/default-model.gguf") bytes (q8_0)"
  echo "Hello -> $reply"
} > "$out/summary.txt"
cat "$out/summary.txt" >&2
if [ "$smoke" = 0 ]; then
  cp "$out/default-model.gguf" "$repo/testdata/default-model.gguf.tmp"
  mv "$repo/testdata/default-model.gguf.tmp" "$repo/testdata/default-model.gguf"
  echo "copied to $repo/testdata/default-model.gguf; write its card in testdata/README.md from $out/summary.txt" >&2
fi
echo "$out/default-model.gguf"
