#!/usr/bin/env bash
# Checks with Hugging Face's own `tokenizers` (npm 0.23.2, installed under /tmp, never into the repo)
# that the tokenizer.json files `cortado tokenizer train` writes load, and encode text to the same ids
# as a plain merge-rank encoder over Cortado's pre-tokenizer patterns (gpt2, cl100k, o200k, llama3).
# Not part of CI: needs node + npm.  Usage: tools/tokenizer-train-check-hf.sh  (from the repository root)
set -euo pipefail
shared=${CORTADO_SHARED:-../shared}
work=${TMPDIR:-/tmp}/cortado-train-hf-check
mods=${TMPDIR:-/tmp}/cortado-hf-check-npm
rm -rf "$work"; mkdir -p "$work" "$mods"
if [ ! -d "$mods/node_modules/tokenizers" ]; then
  (cd "$mods" && npm install --silent --no-save --prefix "$mods" tokenizers@0.23.2)
fi
mvn -B -ntp -q test -Dtest=TrainedTokenizerExportForCheck -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcortado.trainExport="$work" -Dcortado.shared="$(cd "$shared" && pwd)"
TOKENIZERS_PREFIX="$mods" node tools/tokenizer-train-check-hf.mjs "$work/manifest.json"
