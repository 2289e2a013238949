#!/usr/bin/env python3
"""Golden quantization data made by the real ggml, for Cortado's bit-exactness tests.

How to run (python3 only, no packages; the ggml library comes from npm, outside the repo):
    mkdir -p /tmp/ggml-ref && cd /tmp/ggml-ref && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true \
        npm install --omit=optional node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1
    python3 tools/quant-golden/make-golden.py \
        /tmp/ggml-ref/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libggml-base.so
It rewrites testdata/quant/<type>.bin (e.g. q4_k.bin). The inputs are deterministic (seeded), so a
rerun against the same ggml gives the same files.

Each input goes through ggml's quantize_row_<type>_ref (the reference quantizer, no importance
matrix) and the result through dequantize_row_<type>. A few cases are "dequantize only": random
block bytes (with finite fp16 scales) that no quantizer would emit, to cover every bit pattern.

File layout (all little-endian):
    magic     4 bytes  b"CQG1"
    type_id   u32      GGML type id (Q8_0 = 8, Q4_K = 12, ...)
    n_cases   u32
    then n_cases times:
        name_len   u32, name (UTF-8, name_len bytes)   e.g. "gaussian", "outliers"
        flags      u32   bit 0: dequantize-only case (input floats are all zero and unused)
        rows       u32
        row_len    u32   elements per row (a multiple of the block size); n = rows * row_len
        input      f32[n]                      the floats given to quantize_row_<type>_ref
        quantized  u8[n / block * block_bytes] its output (for flag bit 0: the random blocks)
        dequant    f32[n]                      dequantize_row_<type> of those bytes
"""
import ctypes
import math
import os
import random
import struct
import sys
from array import array

# name -> (ggml type id, block size, block bytes)
TYPES = {
    "q4_0": (2, 32, 18),
    "q4_1": (3, 32, 20),
    "q5_0": (6, 32, 22),
    "q5_1": (7, 32, 24),
    "q8_0": (8, 32, 34),
    "q4_K": (12, 256, 144),
    "q5_K": (13, 256, 176),
    "q6_K": (14, 256, 210),
}

# byte offsets of the fp16 scales in each block (kept finite in the random-bytes cases)
HALF_OFFSETS = {
    "q4_0": [0], "q4_1": [0, 2], "q5_0": [0], "q5_1": [0, 2], "q8_0": [0],
    "q4_K": [0, 2], "q5_K": [0, 2], "q6_K": [208],
}


def f32(values):
    return array("f", values)  # rounds each double to the nearest float32


def gen_cases(block):
    """(name, rows, row_len, generator(n, rng) -> list of floats)."""
    small = block == 32
    rl = 96 if small else 256          # odd block counts per row for the 32-blocks
    def gauss(s):
        return lambda n, r: [r.gauss(0.0, s) for _ in range(n)]
    def outliers(n, r):
        v = [r.gauss(0.0, 0.02) for _ in range(n)]
        for i in range(0, n, 37):
            v[i] *= 60.0
        return v
    def zero_blocks(n, r):
        v = [r.gauss(0.0, 1.0) for _ in range(n)]
        for b in range(0, n, block):
            kind = (b // block) % 3
            if kind == 0:
                v[b:b + block] = [0.0] * block
            elif kind == 1 and block == 256:
                v[b:b + 128] = [0.0] * 128      # zero sub-blocks inside a super-block
        return v
    def one_hot(n, r):
        v = [0.0] * n
        for b in range(0, n, block):
            v[b + r.randrange(block)] = r.choice([-1.0, 1.0]) * r.uniform(0.1, 3.0)
        return v
    def constant(n, r):
        v = []
        for b in range(0, n, block):
            v += [r.uniform(-2.0, 2.0)] * block
        return v
    def halves(n, r):                   # exact ties for the rounding rules
        return [r.randint(-16, 16) * 0.5 for _ in range(n)]
    def positive(n, r):
        return [r.uniform(0.0, 1.0) for _ in range(n)]
    def negative(n, r):
        return [-r.uniform(0.5, 1.5) for _ in range(n)]
    def uniform(n, r):
        return [r.uniform(-1.0, 1.0) for _ in range(n)]
    def mixed_scale(n, r):              # each block a different magnitude
        v = []
        for b in range(0, n, block):
            s = 10.0 ** r.uniform(-4, 3)
            v += [r.gauss(0.0, s) for _ in range(block)]
        return v
    cases = [
        ("gaussian", 3, rl, gauss(1.0)),
        ("gaussian_weights", 2, rl, gauss(0.02)),
        ("uniform", 2, rl, uniform),
        ("outliers", 2, rl, outliers),
        ("zero_blocks", 1, rl * (2 if small else 3), zero_blocks),
        ("one_hot", 1, rl, one_hot),
        ("constant", 1, rl, constant),
        ("halves", 1, rl, halves),
        ("positive", 1, rl, positive),
        ("negative", 1, rl, negative),
        ("tiny_1e-6", 1, rl, gauss(1e-6)),
        ("tiny_1e-9", 1, rl, gauss(1e-9)),
        ("large_1e3", 1, rl, gauss(1e3)),
        ("mixed_scale", 1, rl * (2 if small else 1), mixed_scale),
        ("odd_rows", 5 if small else 3, block, gauss(0.5)),
    ]
    return cases


def random_blocks(name, nblocks, r):
    _, _, bb = TYPES[name]
    out = bytearray(r.getrandbits(8) for _ in range(nblocks * bb))
    for b in range(nblocks):
        for off in HALF_OFFSETS[name]:
            # a finite half: random sign, exponent 0..29 (subnormals included), random mantissa
            h = (r.getrandbits(1) << 15) | (r.randrange(0, 30) << 10) | r.getrandbits(10)
            struct.pack_into("<H", out, b * bb + off, h)
    return bytes(out)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    lib = ctypes.CDLL(sys.argv[1])
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    outdir = os.path.join(repo, "testdata", "quant")
    os.makedirs(outdir, exist_ok=True)
    total = 0
    for name, (tid, block, bb) in TYPES.items():
        qfn = getattr(lib, "quantize_row_%s_ref" % name)
        dfn = getattr(lib, "dequantize_row_%s" % name)
        for fn in (qfn, dfn):
            fn.restype = None
            fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        rng = random.Random(20240601 + tid)
        cases = [(c, 0) for c in gen_cases(block)]
        cases.append((("random_bytes", 1, block * (7 if block == 32 else 3), None), 1))
        body = bytearray()
        for (cname, rows, row_len, gen), flags in cases:
            n = rows * row_len
            nbytes = n // block * bb
            if flags & 1:
                xs = f32([0.0] * n)
                qbytes = random_blocks(name, n // block, rng)
            else:
                xs = f32(gen(n, rng))
                qbuf = ctypes.create_string_buffer(nbytes)
                qfn(xs.buffer_info()[0], qbuf, n)
                qbytes = qbuf.raw
            qin = ctypes.create_string_buffer(qbytes, nbytes)
            ys = f32([0.0] * n)
            dfn(qin, ys.buffer_info()[0], n)
            nb = cname.encode()
            body += struct.pack("<I", len(nb)) + nb + struct.pack("<III", flags, rows, row_len)
            body += xs.tobytes() + qbytes + ys.tobytes()
        data = b"CQG1" + struct.pack("<II", tid, len(cases)) + bytes(body)
        path = os.path.join(outdir, name.lower() + ".bin")
        with open(path, "wb") as f:
            f.write(data)
        total += len(data)
        print("%s: %d cases, %d bytes" % (path, len(cases), len(data)))
    print("total %d bytes" % total)


if __name__ == "__main__":
    main()
