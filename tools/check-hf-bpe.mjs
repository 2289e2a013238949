// Writes the ids Hugging Face's own `tokenizers` library (npm) gives for a text sample through the
// byte-level BPE tokenizers in ../shared (llama3, qwen3), with and without special tokens, for
// ByteLevelBpeOracleCheck to compare with Cortado's. Usage: node tools/check-hf-bpe.mjs SHARED_DIR OUT.json
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';

const require = createRequire(process.env.TOKENIZERS_PREFIX ? process.env.TOKENIZERS_PREFIX + "/" : import.meta.url);
const { Tokenizer } = require('tokenizers');
const [shared, out] = process.argv.slice(2);

const texts = [];
for (const f of ['ggml-vocab-llama-bpe.gguf.inp', 'ggml-vocab-qwen2.gguf.inp', 'ggml-vocab-qwen35.gguf.inp',
                 'ggml-vocab-command-r.gguf.inp', 'ggml-vocab-gemma-4.gguf.inp']) {
  const p = path.join(shared, 'tokenizers/llama.cpp-vocab', f);
  if (fs.existsSync(p)) texts.push(...fs.readFileSync(p, 'utf8').split('\n__ggml_vocab_test__\n'));
}
texts.push('<|begin_of_text|>Hi<|eot_id|>', '<|im_start|>user\nHi there<|im_end|>\n<think>\n</think>',
  'x<|im_start|>y <|endoftext|> z', 'Tim said: "1234567 apples!!!" 🍏🍏 — done.\n\n\tTabs\r\nand CRLF',
  'ＡＢＣ ｆｕｌｌ ｗｉｄｔｈ ﬁ ① ² Ⅻ', 'e\u0301 a\u0308 \u212B \u2126 K', '\u3000\u00a0\u2003x\u2028y\u0085z');
// seeded random Unicode
let seed = 12345;
const rnd = n => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const alphabet = ['a', 'Z', 'é', 'e\u0301', '中', '日本', '한', '🙂', '👩‍💻', ' ', '  ', '\t', '\n', '\r\n', '\u00a0',
  '0', '123', "'s", "'LL", '!', '...', 'ǅ', 'ß', 'İ', 'ſ', '\u0301', '\u200d', '€', '<', '|>', 'ﬁ', '𝔘', '\u3000'];
for (let i = 0; i < 300; i++) {
  let s = '';
  for (let k = 1 + rnd(25); k > 0; k--) s += alphabet[rnd(alphabet.length)].repeat(rnd(8) === 0 ? 5 + rnd(30) : 1);
  texts.push(s);
}
for (const f of ['tinyshakespeare.txt', 'war-and-peace.txt', 'kjv.txt']) {
  const p = path.join(shared, 'corpus', f);
  if (!fs.existsSync(p)) continue;
  const lines = fs.readFileSync(p, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += Math.ceil(lines.length / 300)) texts.push(lines.slice(i, i + 3).join('\n'));
}

const result = { texts, tokenizers: {} };
for (const name of ['llama3', 'qwen3']) {
  const tok = Tokenizer.fromFile(path.join(shared, 'tokenizers/hf', name, 'tokenizer.json'));
  const plain = [], special = [];
  for (const text of texts) {
    plain.push(Array.from((await tok.encode(text, null, { addSpecialTokens: false })).getIds()));
    special.push(Array.from((await tok.encode(text, null, { addSpecialTokens: true })).getIds()));
  }
  result.tokenizers[name] = { plain, special };
}
fs.writeFileSync(out, JSON.stringify(result));
console.log(`wrote ${texts.length} texts × 2 tokenizers to ${out}`);
