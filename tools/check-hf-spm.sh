#!/usr/bin/env bash
# Cross-checks Cortado's SentencePiece-style BPE (SentencePieceBpe, read through TokenizerFiles.fromHuggingFace)
# against Hugging Face's own `tokenizers` library (npm, installed under /tmp, never into the repo) on
# llama.cpp's tokenizer test inputs and corpus snippets, for the SentencePiece-style tokenizer.json
# files in ../shared. Not part of CI (needs node + npm); CI checks the small frozen set in
# testdata/tokenizers/, which `tools/check-hf-spm.sh --freeze` regenerates.
# Usage: tools/check-hf-spm.sh [--freeze]   (from the repository root)
set -euo pipefail
shared=${CORTADO_SHARED:-../shared}
work=${TMPDIR:-/tmp}/cortado-hf-spm
mods=${TMPDIR:-/tmp}/cortado-hf-check-npm
mkdir -p "$work" "$mods"
if [ ! -d "$mods/node_modules/tokenizers" ]; then
  (cd "$mods" && npm install --silent --no-save --prefix "$mods" tokenizers@0.23.2)
fi
if [ "${1:-}" = "--freeze" ]; then
  TOKENIZERS_PREFIX="$mods" node tools/hf-spm-expected.mjs testdata/tokenizers "$shared" frozen
  exit 0
fi
TOKENIZERS_PREFIX="$mods" node tools/hf-spm-expected.mjs "$work" "$shared" full
mvn -B -ntp -q test -Dtest=SentencePieceBpeHfTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcortado.hfSpmExpected="$work" -Dcortado.shared="$(cd "$shared" && pwd)"
cat target/surefire-reports/dev.cortado.tokenizer.spm.SentencePieceBpeHfTest-output.txt 2>/dev/null || true
