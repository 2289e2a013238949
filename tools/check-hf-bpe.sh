#!/usr/bin/env bash
# Cross-checks Cortado's byte-level BPE (dev.cortado.tokenizer.bpe.ByteLevelBpe) against Hugging Face's
# own `tokenizers` library (npm tokenizers@0.23.2, installed under /tmp, never into the repo) on llama.cpp's
# test strings, seeded random Unicode and corpus lines, for tokenizers/hf/llama3 and qwen3.
# Not part of CI: needs node + npm. Usage: tools/check-hf-bpe.sh   (from the repository root)
set -euo pipefail
shared=${CORTADO_SHARED:-../shared}
mods=${TMPDIR:-/tmp}/cortado-hf-check-npm
out=${TMPDIR:-/tmp}/cortado-hf-bpe-expected.json
mkdir -p "$mods"
if [ ! -d "$mods/node_modules/tokenizers" ]; then
  (cd "$mods" && npm install --silent --no-save --prefix "$mods" tokenizers@0.23.2)
fi
TOKENIZERS_PREFIX="$mods" node tools/check-hf-bpe.mjs "$shared" "$out"
mvn -B -ntp -q test -Dtest=ByteLevelBpeOracleCheck -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcortado.bpeOracle="$out" -Dcortado.shared="$(cd "$shared" && pwd)"
echo "byte-level BPE matches Hugging Face tokenizers on every text"
