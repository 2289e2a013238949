#!/usr/bin/env python3
"""The PyTorch side of tools/bench/finetune.sh: LoRA fine-tuning of the same Llama-architecture model
that `cortado finetune` trains (pretrain_torch.py's model with tied embeddings), written plainly: the
whole base frozen in F32, a LoRA pair y += s·B·(A·x) (s = alpha/rank, A uniform ±1/√in, B = 0) on the
seven projections of every layer, AdamW (betas 0.9/0.999, no weight decay, as `cortado finetune`'s
defaults) with clipping at 1.0, on random token ids with the same batch, sequence length and threads.

Usage: finetune_torch.py --dim D --layers L --heads H --kv-heads K --ffn F --vocab V --seq-len T
                         --batch B --threads N --rank R [--alpha A] [--theta THETA] [--steps S] [--warmup-steps W]
Prints one line: "torch-lora tokens/s X tokens/cpu-s Y (...)", as pretrain_torch.py.
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pretrain_torch import Llama, shape_args, timed_steps  # noqa: E402


class LoraLinear(torch.nn.Module):
    """A frozen Linear plus s·B·(A·x)."""

    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base = base
        base.weight.requires_grad_(False)
        bound = 1 / math.sqrt(base.in_features)
        self.a = torch.nn.Parameter(torch.empty(rank, base.in_features).uniform_(-bound, bound))
        self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x):
        return self.base(x) + ((x @ self.a.t()) * self.scale) @ self.b.t()


def main():
    ap = shape_args(("rank",))
    ap.add_argument("--alpha", type=float, default=16.0)
    ap.add_argument("--theta", type=float, default=10000.0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Llama(a.vocab, a.dim, a.layers, a.heads, a.kv_heads, a.ffn)
    model.out.weight = model.embed.weight  # tied, as SmolLM2
    for p in model.parameters():
        p.requires_grad_(False)
    for b in model.blocks:
        for name in ("q", "k", "v", "o", "gate", "up", "down"):
            setattr(b, name, LoraLinear(getattr(b, name), a.rank, a.alpha))
    lora = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(lora, lr=2e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    timed_steps(model, opt, a, a.vocab, a.theta, "torch-lora")


if __name__ == "__main__":
    main()
