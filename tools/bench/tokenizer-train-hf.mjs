// Hugging Face `tokenizers` (npm) for tools/bench/tokenizer-train.sh:
//   train OUT.json FILE...   train(files) with the default BpeTrainer (vocab 30000, min frequency 0)
//                            behind a ByteLevel pre-tokenizer (GPT-2's regex, no prefix space)
//   count TOKENIZER.json HELDOUT.txt   tokens and UTF-8 bytes of the held-out lines, encoded one by one
import { createRequire } from 'module';
import { readFileSync } from 'fs';
const require = createRequire(process.env.TOKENIZERS_PREFIX + '/');
const tk = require('tokenizers');

const [cmd, a, ...rest] = process.argv.slice(2);
if (cmd === 'train') {
  const t = new tk.Tokenizer(tk.BPE.empty());
  t.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  t.train(rest);
  t.save(a);
} else if (cmd === 'count') {
  const t = tk.Tokenizer.fromFile(a);
  const lines = readFileSync(rest[0], 'utf8').split('\n').filter(l => l.length > 0);
  let tokens = 0, bytes = 0;
  for (let i = 0; i < lines.length; i += 1000) {
    const batch = lines.slice(i, i + 1000);
    const enc = await t.encodeBatch(batch, { addSpecialTokens: false });
    for (const e of enc) tokens += e.getIds().length;
    for (const l of batch) bytes += Buffer.byteLength(l, 'utf8');
  }
  console.log(`${tokens} ${bytes}`);
} else {
  console.error('usage: train OUT.json FILE... | count TOKENIZER.json HELDOUT.txt');
  process.exit(2);
}
