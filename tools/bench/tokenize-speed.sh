#!/usr/bin/env bash
# Encode speed of tiktoken encodings: Cortado vs JTokkit 1.1.0 (same JVM) vs tiktoken 1.0.22 from npm
# (Rust compiled to WebAssembly, on Node), on the same ~10 MB mixed text; then the linearity check.
#
#   tools/bench/tokenize-speed.sh [repeats=7]
#
# Env: JMH_ARGS (default "-f 1 -wi 3 -w 2s -i 5 -r 3s"), THREADS (default: all cores, `nproc`).
#
# The text (tools/bench/out/mixed.txt, rebuilt when absent) is made from files on this machine:
#   ~4.5 MB English prose   ../shared/corpus/war-and-peace.txt, tinyshakespeare.txt, then kjv.txt
#   ~3.5 MB source code     the JDK's src.zip (java.base/java/util/…, in name order); without one,
#                           this repository's java/ and native/ sources, repeated
#   ~2 MB non-Latin scripts the Japanese, Russian, Chinese, Korean and Ukrainian man pages in
#                           /usr/share/man/{ja,ru,zh_CN,ko,uk} (roff source, gunzipped), repeated;
#                           without them, the inputs of ../shared/tokenizers/tiktoken/*_encodings.csv
# The three parts are interleaved in ~64 KiB blocks cut at line ends, so every stretch of the file mixes them.
# Java: JMH (TokenizeBench in the test sources), one op = encodeOrdinary of the whole text, throughput
# with 1 thread and with THREADS threads (each encoding the whole text; JMH sums them), MB/s = ops/s × MB.
# Then TokenizeSpeed: token counts of both (must agree) and the linearity table. Node: tiktoken from npm,
# single-threaded, a 3 s warm-up then `repeats` timed runs (best and median).
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats="${1:-7}"
out=tools/bench/out
mkdir -p "$out"
text="$out/mixed.txt"
if [ ! -s "$text" ]; then
python3 - "$text" <<'PY'
import glob, gzip, io, os, sys, zipfile
target = sys.argv[1]
def take(parts, limit):
    # the parts in order, repeated when short, cut at the line end after `limit` bytes
    s, out = 0, []
    while s < limit and parts:
        for p in parts:
            b = len(p.encode())
            if s + b > limit:
                cut = p.find("\n", len(p) * (limit - s) // b)
                p = p if cut < 0 else p[:cut + 1]
            out.append(p); s += len(p.encode())
            if s >= limit: break
    return "".join(out)
shared = "../shared"
prose = [open(f"{shared}/corpus/{f}", encoding="utf-8").read() for f in ("war-and-peace.txt", "tinyshakespeare.txt", "kjv.txt")]
prose = take(prose, 4_500_000)
zips = [z for z in sorted(glob.glob("/usr/lib/jvm/*/lib/src.zip")) if os.path.isfile(z)]
code = []
if zips:
    z = zipfile.ZipFile(zips[0])
    code = [z.read(n).decode("utf-8", "replace") for n in sorted(z.namelist())
            if n.startswith("java.base/java/util/") and n.endswith(".java")]
if not code:
    code = [open(f, encoding="utf-8", errors="replace").read() for f in sorted(glob.glob("java/**/*.java", recursive=True) + glob.glob("native/**/*.c*", recursive=True))]
code = take(code, 3_500_000)
intl = []
for lang in ("ja", "ru", "zh_CN", "ko", "uk"):
    for f in sorted(glob.glob(f"/usr/share/man/{lang}/man*/*.gz")):
        intl.append(gzip.open(f).read().decode("utf-8", "replace"))
if not intl:
    import csv
    for f in sorted(glob.glob(f"{shared}/tokenizers/tiktoken/*_encodings.csv")):
        intl += [r[0] + "\n" for r in csv.reader(open(f, encoding="utf-8")) if r and any(ord(c) > 0x2ff for c in r[0])]
intl = take(intl, 2_000_000)
def blocks(s, size=1 << 16):
    out, i = [], 0
    while i < len(s):
        j = s.find("\n", min(len(s), i + size))
        j = len(s) if j < 0 else j + 1
        out.append(s[i:j]); i = j
    return out
parts = [blocks(prose), blocks(code), blocks(intl)]
mixed = []
while any(parts):
    for p in parts:
        if p: mixed.append(p.pop(0))
open(target, "w", encoding="utf-8").write("".join(mixed))
print(f"built {target}: {len(''.join(mixed).encode())/1e6:.2f} MB "
      f"(prose {len(prose.encode())/1e6:.2f}, code {len(code.encode())/1e6:.2f} from {zips[0] if zips else 'repo sources'}, "
      f"non-Latin {len(intl.encode())/1e6:.2f})")
PY
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(java -version 2>&1 | head -1); node $(node --version 2>/dev/null || echo absent)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
mvn -B -ntp -q test-compile >/dev/null
mvn -B -ntp -q dependency:build-classpath -Dmdep.outputFile="$out/cp.txt" >/dev/null
cp="target/test-classes:target/classes:$(cat "$out/cp.txt")"
mb=$(python3 -c "import os,sys; print(os.path.getsize(sys.argv[1]) / 1e6)" "$text")
threads="${THREADS:-$(nproc)}"
for t in 1 "$threads"; do
    echo "load before the JMH run with $t thread(s): $(cut -d' ' -f1-3 /proc/loadavg)"
    java -Xmx6g -Dbench.text="$text" -cp "$cp" org.openjdk.jmh.Main TokenizeBench ${JMH_ARGS:--f 1 -wi 3 -w 2s -i 5 -r 3s} \
        -jvmArgs "-Xmx6g -Dbench.text=$text" -t "$t" -rf json -rff "$out/jmh-t$t.json" >"$out/jmh-t$t.log"
done
python3 - "$mb" "$out/jmh-t1.json" "$out/jmh-t$threads.json" <<'PY'
import json, sys
mb = float(sys.argv[1])
rows = {}
for f in dict.fromkeys(sys.argv[2:]):
    for r in json.load(open(f)):
        m = r["primaryMetric"]
        raw = [x * mb for fork in m["rawData"] for x in fork]
        rows[(r["params"]["encoding"], r["threads"], r["params"]["impl"])] = (m["score"] * mb, m["scoreError"] * mb, max(raw))
print("| encoding | threads | implementation | MB/s (mean ± 99.9% CI) | best iteration MB/s | Cortado ÷ JTokkit |")
print("|---|---|---|---|---|---|")
for (enc, t, impl), (s, e, best) in sorted(rows.items()):
    other = rows.get((enc, t, "JTokkit"))
    ratio = f"{s / other[0]:.2f}×" if impl == "Cortado" and other else ""
    print(f"| {enc} | {t} | {impl} | {s:.1f} ± {e:.1f} | {best:.1f} | {ratio} |")
PY
echo
java -Xmx4g -cp "$cp" dev.cortado.tokenizer.tiktoken.TokenizeSpeed "$text"
if [ ! -d tools/bench/node_modules/tiktoken ]; then
    (cd tools/bench && npm install --no-save --no-package-lock tiktoken@1.0.22 >/dev/null)
fi
echo
node tools/bench/tokenize-speed.mjs "$text" "$repeats"
