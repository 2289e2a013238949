// Writes what Hugging Face's own `tokenizers` library (npm) makes of test text with the SentencePiece-style
// tokenizer.json files in ../shared, as JSON that SentencePieceBpeHfTest compares Cortado with.
// Usage: node tools/hf-spm-expected.mjs OUT_DIR SHARED_DIR [frozen|full]
//   frozen: a small set of cases per tokenizer (what testdata/tokenizers/ holds, checked in CI)
//   full:   every llama.cpp test input and a few hundred corpus snippets per corpus
// tools/check-hf-spm.sh installs the library under /tmp and runs this and the Java comparison.
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';

const require = createRequire(process.env.TOKENIZERS_PREFIX ? process.env.TOKENIZERS_PREFIX + '/' : import.meta.url);
const { Tokenizer } = require('tokenizers');
const [outDir, shared, mode = 'frozen'] = process.argv.slice(2);
const full = mode === 'full';

const tokenizers = [
  ['tinystories-656k', 'models/tinystories-656k/tokenizer.json'],
  ['mistral-7b-v0.1-like', 'tokenizers/hf/mistral-7b-v0.1-like/tokenizer.json'],
  ['minueza-32m-ultrachat', 'tokenizers/hf/minueza-32m-ultrachat/tokenizer.json'],
];

function inputs(file) {
  const p = path.join(shared, 'tokenizers/llama.cpp-vocab', file);
  if (!fs.existsSync(p)) return [];
  const cases = fs.readFileSync(p, 'utf8').split('\n__ggml_vocab_test__\n');
  if (cases.length && cases[cases.length - 1] === '') cases.pop();
  return cases;
}

const texts = [];
const inpFiles = full
  ? fs.readdirSync(path.join(shared, 'tokenizers/llama.cpp-vocab')).filter(f => f.endsWith('.inp')).sort()
  : ['ggml-vocab-llama-spm.gguf.inp', 'ggml-vocab-bert-bge.gguf.inp'];
for (const f of inpFiles) texts.push(...inputs(f));
// Special tokens inside text, spaces around them, byte fallback, odd characters.
texts.push('<s>Hello</s> world', 'Hello <s>world</s>  x', '<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n',
  '<|start_story|>Once upon a time<|end_story|>', '<unk> and <s> and </s>', ' <s>', '<s> ', '<s>', '<<s>>', '</s></s>',
  'Tim said: "1234567 apples!!!" 🍏🍏 — done.\n\n\tTabs\r\nand CRLF', '\u0000NUL and \u0001 controls\u007f',
  'e\u0301 combining, 한국어, 日本語のテキスト, עברית, العربية', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟘𝟙𝟚 \u{1F468}\u200D\u{1F469}\u200D\u{1F467}',
  '    leading and trailing    ', '\n\n\n', '1234567890 3.14159 1e-10 0x1F', 'a'.repeat(200), ' '.repeat(40) + 'x');
const corpusEvery = full ? 300 : 8;
for (const f of ['tinyshakespeare.txt', 'war-and-peace.txt', 'kjv.txt']) {
  const p = path.join(shared, 'corpus', f);
  if (!fs.existsSync(p)) continue;
  const lines = fs.readFileSync(p, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += Math.ceil(lines.length / corpusEvery)) texts.push(lines.slice(i, i + 3).join('\n'));
}
const unique = [...new Set(texts)];

fs.mkdirSync(outDir, { recursive: true });
// full: variants of the Mistral file, written beside the output, for the options no shared file uses:
// a Metaspace pre-tokenizer (prepend_scheme first / always) instead of Prepend, and lstrip/rstrip added tokens.
const variants = [];
const mistral = path.join(shared, 'tokenizers/hf/mistral-7b-v0.1-like/tokenizer.json');
if (full && fs.existsSync(mistral)) {
  for (const scheme of ['first', 'always']) {
    const j = JSON.parse(fs.readFileSync(mistral, 'utf8'));
    j.normalizer = null;
    j.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: scheme, split: false };
    j.decoder = { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Metaspace', replacement: '\u2581', prepend_scheme: scheme, split: false }] };
    const dir = path.join(outDir, 'variant-metaspace-' + scheme);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(j));
    variants.push(['variant-metaspace-' + scheme, path.join(dir, 'tokenizer.json')]);
  }
  const j = JSON.parse(fs.readFileSync(mistral, 'utf8'));
  for (const a of j.added_tokens) if (a.content === '</s>') { a.lstrip = true; a.rstrip = true; }
  const dir = path.join(outDir, 'variant-strip');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(j));
  variants.push(['variant-strip', path.join(dir, 'tokenizer.json')]);
}
for (const [name, rel] of [...tokenizers, ...variants]) {
  const file = path.isAbsolute(rel) ? rel : path.join(shared, rel);
  if (!fs.existsSync(file)) { console.log(`skip ${name}: ${file} is absent`); continue; }
  const t = Tokenizer.fromFile(file);
  // HF renders added tokens oddly when they are "normalized"; decoded text is compared only without them.
  const isVariant = variants.some(v => v[0] === name);  // made-up decoders: compare ids only
  const added = new Set((JSON.parse(fs.readFileSync(file, 'utf8')).added_tokens || []).map(a => a.id));
  const cases = [];
  for (const text of unique) {
    const ids = (await t.encode(text, null, { addSpecialTokens: false })).getIds();
    const model = (await t.encode(text, null, { addSpecialTokens: true })).getIds();
    const decoded = isVariant || ids.some(id => added.has(id)) ? null : await t.decode(ids, true);
    cases.push({ text, ids, model, decoded });
  }
  const out = { note: 'decoded: HF decode(ids, skipSpecialTokens) when ids hold no added token, else null', generator: 'tokenizers@0.23.2 (npm), tools/hf-spm-expected.mjs ' + mode, tokenizer: rel, cases };
  const target = path.join(outDir, `hf-spm-${name}.json`);
  fs.writeFileSync(target, JSON.stringify(out) + '\n');
  console.log(`${target}: ${cases.length} cases`);
}
