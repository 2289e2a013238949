// For tools/tokenizer-train-check-hf.sh: loads each tokenizer.json `cortado tokenizer train` wrote
// with Hugging Face's `tokenizers` and compares its ids with the reference encoder's.
import { createRequire } from 'module';
import { readFileSync } from 'fs';
const require = createRequire(process.env.TOKENIZERS_PREFIX + '/');
const { Tokenizer } = require('tokenizers');

const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let bad = 0;
for (const m of manifest) {
  const t = Tokenizer.fromFile(m.tokenizer);
  let ok = 0;
  for (const c of m.cases) {
    const ids = Array.from((await t.encode(c.text, null, { addSpecialTokens: false })).getIds());
    if (JSON.stringify(ids) === JSON.stringify(c.ids)) ok++;
    else if (bad++ < 10) console.log(`${m.name}: ${JSON.stringify(c.text)}\n  HF      ${JSON.stringify(ids)}\n  Cortado ${JSON.stringify(c.ids)}`);
  }
  console.log(`${m.name}: ${ok}/${m.cases.length} texts give the same ids`);
}
process.exit(bad ? 1 : 0);
