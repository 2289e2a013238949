#!/usr/bin/env bash
# Checks with Hugging Face's own `tokenizers` library (npm, installed under /tmp, never into the repo)
# that tokenizer.json files written by Cortado encode text to the same ids as the originals in
# ../shared (and Llama 2's expected ids for the llama2.c vocabulary). Not part of CI: needs node + npm.
# Usage: tools/check-hf-tokenizers.sh   (from the repository root)
set -euo pipefail
shared=${CORTADO_SHARED:-../shared}
work=${TMPDIR:-/tmp}/cortado-hf-check
mods=${TMPDIR:-/tmp}/cortado-hf-check-npm
mkdir -p "$work" "$mods"
if [ ! -d "$mods/node_modules/tokenizers" ]; then
  (cd "$mods" && npm install --silent --no-save --prefix "$mods" tokenizers@0.23.2)
fi
mvn -B -ntp -q test -Dtest=HuggingFaceExportForCheck -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcortado.hfExport="$work" -Dcortado.shared="$(cd "$shared" && pwd)"
TOKENIZERS_PREFIX="$mods" node tools/check-hf-tokenizers.mjs "$work/manifest.json" "$shared"
