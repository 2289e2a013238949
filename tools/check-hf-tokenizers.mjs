// Compares Hugging Face tokenizers written by Cortado with the originals, using Hugging Face's own
// `tokenizers` library (npm). Usage: node tools/check-hf-tokenizers.mjs MANIFEST SHARED_DIR
// (tools/check-hf-tokenizers.sh makes the manifest and installs the library). For each entry it loads
// the written tokenizer.json and encodes test text, with and without special tokens, through it and
// through the original (or checks listed expected ids), and prints the cases that differ.
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';

const require = createRequire(process.env.TOKENIZERS_PREFIX ? process.env.TOKENIZERS_PREFIX + "/" : import.meta.url);
const { Tokenizer } = require('tokenizers');
const [manifestFile, shared] = process.argv.slice(2);
const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));

// Text: llama.cpp's tokenizer test cases (edge cases of spaces, digits, unicode, code), some
// sentences with special tokens, and lines of three corpora.
const texts = [];
for (const f of ['ggml-vocab-llama-bpe.gguf.inp', 'ggml-vocab-llama-spm.gguf.inp', 'ggml-vocab-qwen35.gguf.inp']) {
  const p = path.join(shared, 'tokenizers/llama.cpp-vocab', f);
  if (fs.existsSync(p)) texts.push(...fs.readFileSync(p, 'utf8').split('\n__ggml_vocab_test__\n'));
}
texts.push('Once upon a time, there was a little girl named Lily.', '<|im_start|>user\nHi there<|im_end|>\n',
  '<s>Hello</s> world', 'Tim said: "1234567 apples!!!" 🍏🍏 — done.\n\n\tTabs\r\nand CRLF');
for (const f of ['tinyshakespeare.txt', 'war-and-peace.txt', 'kjv.txt']) {
  const p = path.join(shared, 'corpus', f);
  if (!fs.existsSync(p)) continue;
  const lines = fs.readFileSync(p, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += Math.ceil(lines.length / 300)) texts.push(lines.slice(i, i + 3).join('\n'));
}

let failures = 0;
for (const e of manifest) {
  const written = Tokenizer.fromFile(e.written);
  let cases = 0, diffs = 0, example = null;
  if (e.original) {
    const original = Tokenizer.fromFile(e.original);
    for (const text of texts) {
      for (const addSpecialTokens of [false, true]) {
        const a = (await original.encode(text, null, { addSpecialTokens })).getIds();
        const b = (await written.encode(text, null, { addSpecialTokens })).getIds();
        cases++;
        if (a.join() !== b.join()) { diffs++; example ??= { text, original: a, written: b }; }
      }
    }
  }
  if (e.expected) {
    for (const x of JSON.parse(fs.readFileSync(e.expected, 'utf8'))) {
      const b = (await written.encode(x.text, null, { addSpecialTokens: true })).getIds();
      cases++;
      if (x.ids.join() !== b.join()) { diffs++; example ??= { text: x.text, expected: x.ids, written: b }; }
    }
  }
  console.log(`${diffs === 0 ? 'same' : 'DIFF'} ${e.name}: ${cases - diffs}/${cases} encodings equal`);
  if (example) console.log('  first difference: ' + JSON.stringify(example).slice(0, 600));
  if (diffs) failures++;
}
process.exit(failures ? 1 : 0);
