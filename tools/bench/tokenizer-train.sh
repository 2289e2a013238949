#!/usr/bin/env bash
# Benchmarks `cortado tokenizer train` against Hugging Face tokenizers (npm 0.23.2, Node binding) and
# SentencePiece (`spm_train --model_type=bpe`, Debian package sentencepiece), in the same run, on
#   (a) ../shared/corpus (8.6 MB) and (b) a >= 200 MB corpus assembled from text on this machine
#       (/usr/share/doc, man pages, headers, Python and JDK sources, ../shared/corpus).
# Every 50th line of each corpus is held out (never trained on); compression is UTF-8 bytes per token
# on those lines, each encoded alone. Byte-level BPE with the GPT-2 pattern on Cortado's and HF's side
# (HF's train(files) takes no trainer options: default BpeTrainer, vocab 30,000, min frequency 0).
# Wall time, CPU time and peak RSS from /usr/bin/time (Cortado runs with CORTADO_JAVA_OPTS, default -Xmx512m,
# on top of the JVM options tools/cortado picks for `tokenizer train`). Prints a Markdown table.
# Usage: tools/bench/tokenizer-train.sh [small|big|all]   (from the repository root, after `make`)
#        SPM=0 tools/bench/tokenizer-train.sh big      skips SentencePiece
#        SPM_ONLY=1 SPM_LOG=0 tools/bench/tokenizer-train.sh big   SentencePiece alone (it takes long on
#        the big corpus; its progress log, "Added: ... size=N", goes to $TMPDIR/cortado-bench-train/last.err)
set -euo pipefail
which=${1:-all}
shared=${CORTADO_SHARED:-../shared}
work=${TMPDIR:-/tmp}/cortado-bench-train
mods=${TMPDIR:-/tmp}/cortado-hf-check-npm
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work" "$mods"
if [ ! -d "$mods/node_modules/tokenizers" ]; then
  (cd "$mods" && npm install --silent --no-save --prefix "$mods" tokenizers@0.23.2)
fi
command -v spm_train >/dev/null || { echo "spm_train missing: apt-get install sentencepiece" >&2; exit 1; }
export TOKENIZERS_PREFIX="$mods"

# split CORPUS_FILES... -> $work/$name.train.txt (49 of 50 lines) and $work/$name.heldout.txt
split_corpus() {
  local name=$1; shift
  cat "$@" | awk -v tr="$work/$name.train.txt" -v ho="$work/$name.heldout.txt" \
    'NR % 50 == 0 { print > ho; next } { print > tr }'
}

assemble_big() {
  local out=$work/big.raw
  [ -s "$out" ] && return
  : > "$out"
  { find /usr/share/doc /usr/share/man -type f | sort
    find /usr/include /usr/lib/python3.11 -type f \( -name '*.h' -o -name '*.py' -o -name '*.txt' \) | sort
  } | while read -r f; do
    case "$f" in *.gz) zcat -f "$f" 2>/dev/null | grep -aIv $'\x00' || true ;; *) grep -sIh '' "$f" || true ;; esac
    [ "$(stat -c %s "$out")" -gt 230000000 ] && break
  done >> "$out" 2>/dev/null || true
  # top up with JDK sources if the system text was not enough
  local size; size=$(stat -c %s "$out")
  if [ "$size" -lt 215000000 ]; then
    local src; src=$(ls -L /usr/lib/jvm/*/lib/src.zip /usr/lib/jvm/*/src.zip 2>/dev/null | head -1 || true)
    [ -n "$src" ] && { unzip -p "$src" "*.java" 2>/dev/null || true; } | head -c $((220000000 - size)) >> "$out"
  fi
  cat "$shared"/corpus/*.txt >> "$out"
}

measure() {  # cmd... -> "seconds peak_kib cpu_seconds" (CPU: user + system, steadier than wall on a busy machine)
  local log=$work/time.$$
  /usr/bin/time -f '%e %M %U %S' -o "$log" "$@" > "$work/last.out" 2> "$work/last.err" || { cat "$work/last.err" >&2; return 1; }
  read -r e m u sy < "$log"
  echo "$e $m $(echo "$u + $sy" | bc -l)"
}

row() {  # corpus tool vocab seconds kib cpu tokens bytes
  printf '| %s | %s | %s | %.1f | %.1f | %.0f MiB | %.3f |\n' "$1" "$2" "$3" "$4" "$6" "$(echo "$5/1024" | bc -l)" "$(echo "$8/$7" | bc -l)"
}

run_corpus() {
  local name=$1
  local train=$work/$name.train.txt held=$work/$name.heldout.txt
  local mb; mb=$(echo "$(stat -c %s "$train")/1000000" | bc -l)
  echo "## $name: $(printf '%.1f' "$mb") MB training text, $(stat -c %s "$held") bytes held out, $(nproc) cores"
  echo
  echo '| corpus | trainer | vocab | wall s | CPU s | peak RSS | bytes/token (held-out) |'
  echo '|---|---|---:|---:|---:|---:|---:|'
  for v in 30000 8000; do
    if [ "${SPM_ONLY:-0}" != 1 ]; then  # SPM_ONLY=1: the SentencePiece rows alone
      rm -rf "$work/cortado-$name-$v"
      read -r s k c < <(measure env CORTADO_JAVA_OPTS="${CORTADO_JAVA_OPTS:--Xmx512m}" tools/cortado tokenizer train --input "$train" \
          --vocab-size $v --out "$work/cortado-$name-$v" --held-out 0)
      read -r t b < <(node "$here/tokenizer-train-hf.mjs" count "$work/cortado-$name-$v/tokenizer.json" "$held")
      row "$name" "Cortado" $v "$s" "$k" "$c" "$t" "$b"
      if [ $v = 30000 ]; then
        read -r s k c < <(measure node "$here/tokenizer-train-hf.mjs" train "$work/hf-$name.json" "$train")
        read -r t b < <(node "$here/tokenizer-train-hf.mjs" count "$work/hf-$name.json" "$held")
        row "$name" "HF tokenizers 0.23.2" $v "$s" "$k" "$c" "$t" "$b"
      fi
    fi
    [ "${SPM:-1}" = 0 ] && continue  # SPM=0 skips SentencePiece (slow on the big corpus)
    read -r s k c < <(measure spm_train --input="$train" --model_prefix="$work/spm-$name-$v" --vocab_size=$v \
        --model_type=bpe --character_coverage=1.0 --byte_fallback=true --num_threads="$(nproc)" --minloglevel="${SPM_LOG:-2}")
    t=$(spm_encode --model="$work/spm-$name-$v.model" --output_format=id < "$held" | wc -w)
    b=$(grep -v '^$' "$held" | tr -d '\n' | wc -c)
    row "$name" "SentencePiece 0.1.97 (bpe)" $v "$s" "$k" "$c" "$t" "$b"
  done
  echo
}

if [ "$which" = small ] || [ "$which" = all ]; then
  split_corpus shared "$shared"/corpus/*.txt
  run_corpus shared
fi
if [ "$which" = big ] || [ "$which" = all ]; then
  assemble_big
  split_corpus big "$work/big.raw"
  run_corpus big
fi
