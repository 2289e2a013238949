// llama.cpp side of tools/bench/generate.sh: node-llama-cpp's prebuilt CPU build, on the same token ids
// as dev.cortado.bench.GenerateBench (same generator: BOS then an LCG over [100, min(vocab, 32000))).
// Usage: node generate-llamacpp.mjs MODEL THREADS P G REPS
// Greedy steps run in llama.cpp's sampler (reading 50k-128k logits into a JS Map per step would time
// JavaScript, not llama.cpp). Prints: llamacpp pp=<best tok/s> tg=<1 / median step> tgmean=<tok/s, best run> tg0=<1 / median step from an
// empty context> rss_mb=<peak RSS of this process>
import fs from 'fs';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

const [model, threadsArg, pArg, gArg, repsArg] = process.argv.slice(2);
const threads = +threadsArg, P = +pArg, G = +gArg, reps = +repsArg;
const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: LlamaLogLevel.error });
const m = await llama.loadModel({ modelPath: model, gpuLayers: 0, useMmap: true });
const ctx = await m.createContext({ contextSize: P + G + 16, batchSize: 512, threads, sequences: 1 });
const seq = ctx.getSequence();
const nVocab = m.fileInfo.tensorInfo.find(t => t.name === 'token_embd.weight').dimensions[1];

function prompt(n, vocab) {
  const p = [1];
  let s = 12345n;
  const mask = (1n << 64n) - 1n;
  for (let i = 1; i < n; i++) {
    s = (s * 6364136223846793005n + 1442695040888963407n) & mask;
    p.push(100 + Number((s >> 33n) % BigInt(Math.min(vocab, 32000) - 100)));
  }
  return p;
}

const ids = prompt(P, Number(nVocab));
// greedy decoding in llama.cpp's own sampler (temperature 0): the first token comes after the prompt
async function run(p, g) {
  await seq.clearHistory();
  const t0 = performance.now();
  let t1 = 0, n = 0, last = 0;
  for await (const token of seq.evaluate(p, { temperature: 0 })) {
    const now = performance.now();
    if (n === 0) t1 = now; else steps.push(now - last);
    last = now;
    if (++n > g) break;
  }
  const t2 = performance.now();
  return [p.length / ((t1 - t0) / 1e3), g / ((t2 - t1) / 1e3)];
}

const steps = [];
await run(ids.slice(0, 64), 8);  // warm-up
steps.length = 0;
let pp = 0, tg = 0;
for (let r = 0; r < reps; r++) {
  const [a, b] = await run(ids, G);
  pp = Math.max(pp, a); tg = Math.max(tg, b);
}
steps.sort((a, b) => a - b);
// G steps from an empty context (BOS, then greedy), as llama-bench's tg128
const tgSteps = steps.slice();
steps.length = 0;
for (let r = 0; r < reps; r++) await run(ids.slice(0, 1), G);
steps.sort((a, b) => a - b);
const tg0 = 1e3 / steps[steps.length >> 1];
const hwm = fs.readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)[1];
console.log(`llamacpp pp=${pp.toFixed(2)} tg=${(1e3 / tgSteps[tgSteps.length >> 1]).toFixed(2)} tgmean=${tg.toFixed(2)} tg0=${tg0.toFixed(2)} rss_mb=${Math.round(hwm / 1024)}`);
await ctx.dispose(); await m.dispose();
