#!/usr/bin/env python3
"""The PyTorch side of tools/bench/pretrain.sh: trains the same Llama-architecture model that
`cortado pretrain` trains (RMSNorm, RoPE, grouped-query causal attention, SwiGLU, untied output,
AdamW with weight decay on matrices, global-norm clipping) on random token ids with the same batch,
sequence length and threads, and prints the training tokens per second of the timed steps.

Usage: pretrain_torch.py --dim D --layers L --heads H --kv-heads K --ffn F --vocab V --seq-len T
                         --batch B --threads N [--steps S] [--warmup-steps W]
Prints one line: "torch tokens/s X tokens/cpu-s Y (...)": the median step's wall-clock rate, and
tokens per second of process CPU time (all threads) over the timed steps.
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn.functional as F


class RMSNorm(torch.nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(seq_len, head_dim, theta=10000.0):
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
    ang = torch.outer(torch.arange(seq_len).float(), inv)  # (T, D/2)
    return ang.cos(), ang.sin()


def rope(x, cos, sin):
    # x (B, H, T, D), rotating interleaved pairs (GGUF's layout for llama)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class Block(torch.nn.Module):
    def __init__(self, dim, heads, kv_heads, ffn):
        super().__init__()
        self.h, self.kvh, self.d = heads, kv_heads, dim // heads
        self.attn_norm, self.ffn_norm = RMSNorm(dim), RMSNorm(dim)
        self.q = torch.nn.Linear(dim, heads * self.d, bias=False)
        self.k = torch.nn.Linear(dim, kv_heads * self.d, bias=False)
        self.v = torch.nn.Linear(dim, kv_heads * self.d, bias=False)
        self.o = torch.nn.Linear(heads * self.d, dim, bias=False)
        self.gate = torch.nn.Linear(dim, ffn, bias=False)
        self.up = torch.nn.Linear(dim, ffn, bias=False)
        self.down = torch.nn.Linear(ffn, dim, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        n = self.attn_norm(x)
        q = self.q(n).view(B, T, self.h, self.d).transpose(1, 2)
        k = self.k(n).view(B, T, self.kvh, self.d).transpose(1, 2)
        v = self.v(n).view(B, T, self.kvh, self.d).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        rep = self.h // self.kvh
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.d)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, self.h * self.d)
        x = x + self.o(y)
        n = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(n)) * self.up(n))


class Llama(torch.nn.Module):
    def __init__(self, vocab, dim, layers, heads, kv_heads, ffn):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, dim)
        self.blocks = torch.nn.ModuleList(Block(dim, heads, kv_heads, ffn) for _ in range(layers))
        self.norm = RMSNorm(dim)
        self.out = torch.nn.Linear(dim, vocab, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                torch.nn.init.normal_(p, 0.0, 0.02)

    def forward(self, tokens, cos, sin, mask):
        x = self.embed(tokens)
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return self.out(self.norm(x))


def timed_steps(model, opt, a, vocab, theta=10000.0, label="torch"):
    """Trains `model` on random ids for a.warmup_steps + a.steps steps (cross-entropy, clipping at 1.0,
    `opt`) and prints the timed steps' median tokens/s and tokens per CPU-second (shared with
    finetune_torch.py)."""
    cos, sin = rope_tables(a.seq_len, a.dim // a.heads, theta)
    mask = torch.triu(torch.ones(a.seq_len, a.seq_len, dtype=torch.bool), diagonal=1)
    trainable = [p for p in model.parameters() if p.requires_grad]
    gen = torch.Generator().manual_seed(1)
    times, cpu = [], []
    for step in range(a.warmup_steps + a.steps):
        data = torch.randint(0, vocab, (a.batch, a.seq_len + 1), generator=gen)
        t0, c0 = time.perf_counter(), time.process_time()
        logits = model(data[:, :-1], cos, sin, mask)
        loss = F.cross_entropy(logits.reshape(-1, vocab), data[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        if step >= a.warmup_steps:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    med = statistics.median(times)
    tokens = a.batch * a.seq_len
    print(f"{label} tokens/s {tokens / med:.1f} tokens/cpu-s {tokens * len(cpu) / sum(cpu):.1f} "
          f"(steps {a.steps}, median step {med:.3f} s, torch {torch.__version__})", flush=True)


def shape_args(extra=()):
    """The command line both benchmark scripts share: the model's shape, batch, threads and steps."""
    ap = argparse.ArgumentParser()
    for name in ("dim", "layers", "heads", "kv-heads", "ffn", "vocab", "seq-len", "batch", "threads") + tuple(extra):
        ap.add_argument("--" + name, type=int, required=True)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup-steps", type=int, default=3)
    return ap


def main():
    a = shape_args().parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Llama(a.vocab, a.dim, a.layers, a.heads, a.kv_heads, a.ffn)
    decay = [p for p in model.parameters() if p.dim() == 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    timed_steps(model, opt, a, a.vocab)


if __name__ == "__main__":
    main()
