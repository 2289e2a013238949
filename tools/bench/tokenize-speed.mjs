// tiktoken 1.0.22 (npm: OpenAI's Rust core compiled to WebAssembly) on the benchmark text, one thread:
// warm-up (3 s), then timed repeats; prints markdown rows like TokenizeSpeed.
import { readFileSync } from "node:fs";
import { get_encoding } from "tiktoken";

const [file, repeatsArg] = process.argv.slice(2);
const text = readFileSync(file, "utf8");
const repeats = Number(repeatsArg || 7);
const mb = Buffer.byteLength(text, "utf8") / 1e6;
console.log("| encoding | implementation | threads | tokens | best MB/s | median MB/s |");
console.log("|---|---|---|---|---|---|");
for (const name of ["cl100k_base", "o200k_base"]) {
  const enc = get_encoding(name);
  let tokens = 0;
  const warmUntil = performance.now() + 3000;
  for (let i = 0; i < 3 || performance.now() < warmUntil; i++) tokens = enc.encode_ordinary(text).length;
  const rates = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    enc.encode_ordinary(text);
    rates.push(mb / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  console.log(`| ${name} | tiktoken 1.0.22 (npm, WASM) | 1 | ${tokens} | ${rates[repeats - 1].toFixed(1)} | ${rates[repeats >> 1].toFixed(1)} |`);
  enc.free();
}
