// Loads GGUF files written by Cortado in llama.cpp (node-llama-cpp's prebuilt CPU build), runs greedy
// generation and compares it with the reference outputs in ../shared. Usage (check.sh makes the files):
//   node tools/llamacpp-check/check.mjs OUT_DIR SHARED_DIR
// Greedy means: feed the prompt, take the argmax of the raw logits (lowest id on a tie, as llama2.c's
// argmax does), feed that token, repeat. No sampler, no repetition penalty, no chat template.
// Exit status 1 when an f32 file fails (its output must equal the reference exactly); quantized files
// only report how many greedy tokens match before the first divergence.
import fs from 'fs';
import path from 'path';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

const [outDir, shared] = process.argv.slice(2);
const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: LlamaLogLevel.error });
const results = [];

/**
 * Greedy continuation of `prompt` (ids, BOS included) for `steps` tokens on a cleared `sequence`;
 * stops early at `stopAt`. Returns the tokens and, per step, the logits (a Map token -> logit).
 */
async function greedy(sequence, prompt, steps, stopAt = -1) {
  await sequence.clearHistory();
  const generated = [], stepLogits = [];
  let input = prompt.map((t, i) => i === prompt.length - 1 ? [t, { generateNext: { logits: true } }] : t);
  while (generated.length < steps) {
    const out = await sequence.controlledEvaluate(input);
    const logits = out[input.length - 1].next.logits;
    let best = -1, bestLogit = -Infinity;
    for (const [token, logit] of logits) {
      if (logit > bestLogit || (logit === bestLogit && token < best)) { best = token; bestLogit = logit; }
    }
    if (best === stopAt) break;
    generated.push(best);
    stepLogits.push(logits);
    input = [[best, { generateNext: { logits: true } }]];
  }
  return { generated, stepLogits };
}

/** Why a quantized run left the reference at step `i`: the logits of the token it chose and of the reference's. */
function divergence(stepLogits, i, got, expected) {
  if (i >= stepLogits.length || got === undefined || expected === undefined) return '';
  const l = stepLogits[i];
  return ` (step ${i}: chose ${got} logit ${l.get(got).toFixed(4)}, reference ${expected} logit ${l.get(expected).toFixed(4)})`;
}

/** How many leading tokens of `tokens` still decode to a prefix of `expected` (text references). */
function matchingPrefix(model, tokens, expected) {
  let n = 0;
  while (n < tokens.length && expected.startsWith(model.detokenize(tokens.slice(0, n + 1)))) n++;
  return n;
}

function report(file, what, pass, detail, strict) {
  results.push({ file, what, pass, strict });
  console.log(`${pass ? 'PASS' : strict ? 'FAIL' : 'DIFF'}  ${path.basename(file)}  ${what}${detail ? ': ' + detail : ''}`);
}

function checkTokenization(model, file, text, expectedIds, strict) {
  const bos = model.tokens.bos;
  let ids = model.tokenize(text);
  if (ids[0] !== bos && expectedIds[0] === bos) ids = [bos, ...ids];
  const pass = ids.join() === expectedIds.join();
  report(file, `tokenize ${JSON.stringify(text)}`, pass, pass ? ids.join(',') : `got ${ids.join(',')}, expected ${expectedIds.join(',')}`, strict);
  return expectedIds;
}

/** stories260K: references are the text printed by llama2.c's run.c (trailing newline added by run.c). */
async function checkStories(file, strict) {
  const dir = path.join(shared, 'models/stories260K');
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  const sequence = context.getSequence();
  const promptIds = checkTokenization(model, file, 'Once upon a time', [1, 403, 407, 261, 378], true);
  // run.c counts steps as positions: the prompt's non-BOS tokens use some of them.
  const cases = [
    { what: 'greedy "Once upon a time" 100 steps', ref: 'expected_greedy_prompt_once_upon_a_time_100.txt', prompt: promptIds, steps: 100 },
    { what: 'greedy from BOS 200 steps', ref: 'expected_greedy_200.txt', prompt: [1], steps: 200 },
  ];
  for (const c of cases) {
    const expected = fs.readFileSync(path.join(dir, c.ref), 'utf8').replace(/\n$/, '');
    const { generated } = await greedy(sequence, c.prompt, c.steps - (c.prompt.length - 1), 1);
    const tokens = [...c.prompt.slice(1), ...generated];
    const text = model.detokenize(tokens);
    const promptLen = c.prompt.length - 1;
    const matched = matchingPrefix(model, tokens, expected) - promptLen;
    const pass = text === expected;
    report(file, c.what, pass, pass ? `${generated.length} tokens, text identical`
      : `${Math.max(matched, 0)}/${generated.length} generated tokens match before the first divergence` +
        (strict ? `\n      got:      ${JSON.stringify(text.slice(0, 300))}\n      expected: ${JSON.stringify(expected.slice(0, 300))}` : ''), strict);
  }
  await context.dispose();
  await model.dispose();
}

/** tinystories-656k: the reference is a list of ids (expected_greedy.json) and their text (.txt). */
async function checkTinyStories(file, strict) {
  const dir = path.join(shared, 'models/tinystories-656k');
  const ref = JSON.parse(fs.readFileSync(path.join(dir, 'expected_greedy.json'), 'utf8'));
  // The .txt is the decoded greedy ids plus one newline added when it was written.
  const expectedText = fs.readFileSync(path.join(dir, 'expected_greedy.txt'), 'utf8').replace(/\n$/, '');
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  checkTokenization(model, file, ref.prompt, ref.prompt_ids, true);
  const { generated, stepLogits } = await greedy(context.getSequence(), ref.prompt_ids, ref.new_tokens);
  let matched = 0;
  while (matched < ref.greedy_ids.length && generated[matched] === ref.greedy_ids[matched]) matched++;
  const pass = matched === ref.greedy_ids.length && generated.length === ref.greedy_ids.length;
  report(file, `greedy ${JSON.stringify(ref.prompt)} ${ref.new_tokens} tokens (ids)`, pass,
    pass ? `${matched} ids identical` : `${matched}/${ref.greedy_ids.length} ids match before the first divergence` +
      divergence(stepLogits, matched, generated[matched], ref.greedy_ids[matched]) +
      (strict ? `\n      got:      ${generated.join(',')}\n      expected: ${ref.greedy_ids.join(',')}` : ''), strict);
  if (pass) {
    const text = model.detokenize(generated, false, ref.prompt_ids);
    const textPass = text === expectedText;
    report(file, 'detokenized greedy ids vs expected_greedy.txt', textPass,
      textPass ? 'text identical' : `got ${JSON.stringify(text.slice(0, 200))}, expected ${JSON.stringify(expectedText.slice(0, 200))}`, strict);
  }
  await context.dispose();
  await model.dispose();
}

/** Random weights: only that llama.cpp loads the file and evaluates a few tokens. */
async function checkLoads(file) {
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: 64, threads: 1 });
  const prompt = [model.tokens.bos, ...model.tokenize('Hello world')];
  const { generated } = await greedy(context.getSequence(), prompt, 4);
  report(file, 'loads and evaluates', generated.length === 4,
    `prompt ${prompt.join(',')} -> ${generated.join(',')} ${JSON.stringify(model.detokenize(generated))}`, true);
  await context.dispose();
  await model.dispose();
}

const checks = [
  ['stories260K-f32.gguf', f => checkStories(f, true)],
  ['stories260K-q8_0.gguf', f => checkStories(f, false)],
  ['tinystories-656k-f32.gguf', f => checkTinyStories(f, true)],
  ['tinystories-656k-q8_0.gguf', f => checkTinyStories(f, false)],
  ['llama-2-tiny-random-q4_k.gguf', checkLoads],
];
for (const [name, check] of checks) {
  const file = path.join(outDir, name);
  if (!fs.existsSync(file)) { report(file, 'exists', false, 'not made', !name.includes('q8_0')); continue; }
  try {
    await check(file);
  } catch (e) {
    report(file, 'load/evaluate', false, String(e.message ?? e).split('\n')[0], !name.includes('q8_0'));
  }
}
const failed = results.filter(r => !r.pass && r.strict).length;
console.log(failed ? `FAILED: ${failed} strict check(s)` : `all strict checks passed (${results.filter(r => r.strict).length})`);
process.exit(failed ? 1 : 0);
