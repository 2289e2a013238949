#!/usr/bin/env python3
"""PyTorch reference gradients for Cortado's training model (dev.cortado.train.TrainModel).

A plain torch Llama (no transformers library): HF rotate-half RoPE, GQA, SwiGLU, RMSNorm, tied
embeddings, computed in float64 so the reference is exact to well below the float32 kernels' error.
It reads ../shared/models/tinystories-656k (model.safetensors + config.json, parsed here), builds a
rank-4 LoRA (alpha 8) on all seven projections of every layer with seeded NONZERO A and B, and on a
batch of 2 rows x 24 tokens with some mask zeros writes, under testdata/train/lora-reference/:

  adapter/                 the LoRA factors as a PEFT adapter (adapter_config.json + adapter_model.safetensors)
  grads/                   d(mean masked loss)/dA and /dB in the same PEFT layout (so PeftAdapter.read
                           permutes the Q/K rows of the dB's exactly as it does the B's)
  full-grads.safetensors   full mode (no LoRA): the gradients of some base weights, HF names
  batch.json               inputs, targets, mask, and both losses

Regenerate (from the repository root, needs python3-torch and python3-numpy):
  python3 tools/train-reference/lora_reference.py [--model ../shared/models/tinystories-656k] [--out testdata/train/lora-reference]
"""
import argparse
import json
import math
import os
import struct

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float64))
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope(x, theta):  # x (B, heads, T, D), HF rotate-half layout
    T, D = x.shape[-2], x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    ang = torch.outer(torch.arange(T, dtype=torch.float64), inv)
    emb = torch.cat((ang, ang), dim=-1)
    return x * emb.cos() + rotate_half(x) * emb.sin()


def forward(W, cfg, tokens, lora=None, scale=0.0):
    """Logits (B, T, V). W: HF-named weights; lora: {module: (A, B)} or None."""
    C, H, KVH = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = C // H
    eps, theta = cfg["rms_norm_eps"], cfg.get("rope_theta", 10000.0)
    Bsz, T = tokens.shape

    def lin(x, name):
        y = x @ W[name + ".weight"].T
        if lora is not None and name in lora:
            A, Bm = lora[name]
            y = y + ((x @ A.T) @ Bm.T) * scale
        return y

    x = W["model.embed_tokens.weight"][tokens]
    mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        n = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = lin(n, p + "self_attn.q_proj").view(Bsz, T, H, D).transpose(1, 2)
        k = lin(n, p + "self_attn.k_proj").view(Bsz, T, KVH, D).transpose(1, 2)
        v = lin(n, p + "self_attn.v_proj").view(Bsz, T, KVH, D).transpose(1, 2)
        q, k = rope(q, theta), rope(k, theta)
        k = k.repeat_interleave(H // KVH, dim=1)
        v = v.repeat_interleave(H // KVH, dim=1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D) + mask, dim=-1) @ v
        x = x + lin(att.transpose(1, 2).reshape(Bsz, T, C), p + "self_attn.o_proj")
        n = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        g = torch.nn.functional.silu(lin(n, p + "mlp.gate_proj")) * lin(n, p + "mlp.up_proj")
        x = x + lin(g, p + "mlp.down_proj")
    x = rms_norm(x, W["model.norm.weight"], eps)
    out = W.get("lm_head.weight", W["model.embed_tokens.weight"])
    return x @ out.T


def mean_loss(logits, targets, mask):
    V = logits.shape[-1]
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction="none")
    m = mask.reshape(-1)
    return (ce * m).sum() / (m > 0).sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="../shared/models/tinystories-656k")
    ap.add_argument("--out", default="testdata/train/lora-reference")
    args = ap.parse_args()
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    W = read_safetensors(os.path.join(args.model, "model.safetensors"))
    if cfg.get("tie_word_embeddings") and "model.embed_tokens.weight" not in W:
        W["model.embed_tokens.weight"] = W.pop("lm_head.weight")  # a tied table saved once, under lm_head
    W.pop("lm_head.weight", None) if cfg.get("tie_word_embeddings") else None
    rank, alpha = 4, 8.0
    scale = alpha / rank
    L, V = cfg["num_hidden_layers"], cfg["vocab_size"]

    gen = torch.Generator().manual_seed(1234)
    lora = {}
    for l in range(L):
        for t in TARGETS:
            name = f"model.layers.{l}." + ("mlp." if t in ("gate_proj", "up_proj", "down_proj") else "self_attn.") + t
            w = W[name + ".weight"]
            out_f, in_f = w.shape
            A = (torch.rand(rank, in_f, generator=gen, dtype=torch.float64) * 2 - 1) / math.sqrt(in_f)
            Bm = (torch.rand(out_f, rank, generator=gen, dtype=torch.float64) * 2 - 1) * 0.05
            lora[name] = (A.requires_grad_(), Bm.requires_grad_())

    # real text: the model's own greedy continuation of "Once upon a time" (expected_greedy.json)
    ref = json.load(open(os.path.join(args.model, "expected_greedy.json")))
    text = ref["prompt_ids"] + ref["greedy_ids"]
    Bsz, T = 2, 24
    seq = torch.tensor([text[0:T + 1], text[40:40 + T + 1]])
    # self-check of the plain model: its greedy choices match the shipped fp32 reference
    with torch.no_grad():
        pred = forward(W, cfg, torch.tensor([text[:T]])).argmax(-1)[0]
    n0 = len(ref["prompt_ids"])
    assert pred[n0 - 1:].tolist() == text[n0:T + 1], "reference forward disagrees with expected_greedy.json"
    tokens, targets = seq[:, :T], seq[:, 1:]
    mask = torch.ones(Bsz, T, dtype=torch.float64)
    mask[0, :5] = 0      # a prompt
    mask[1, 10:13] = 0   # a masked span mid-sequence
    mask[1, -2:] = 0     # padding

    loss = mean_loss(forward(W, cfg, tokens, lora, scale), targets, mask)
    loss.backward()

    os.makedirs(os.path.join(args.out, "adapter"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "grads"), exist_ok=True)
    peft_cfg = {"peft_type": "LORA", "r": rank, "lora_alpha": alpha, "lora_dropout": 0.0, "bias": "none",
                "target_modules": sorted(TARGETS), "task_type": "CAUSAL_LM", "base_model_name_or_path": "tinystories-656k"}
    factors, grads = {}, {}
    for name, (A, Bm) in lora.items():
        key = "base_model.model." + name
        factors[key + ".lora_A.weight"] = A
        factors[key + ".lora_B.weight"] = Bm
        grads[key + ".lora_A.weight"] = A.grad
        grads[key + ".lora_B.weight"] = Bm.grad
    for sub, tensors in (("adapter", factors), ("grads", grads)):
        write_safetensors(os.path.join(args.out, sub, "adapter_model.safetensors"), tensors)
        with open(os.path.join(args.out, sub, "adapter_config.json"), "w") as f:
            json.dump(peft_cfg, f, indent=2)

    # full mode: every base weight trainable, no LoRA
    Wf = {k: v.clone().requires_grad_() for k, v in W.items()}
    full_loss = mean_loss(forward(Wf, cfg, tokens), targets, mask)
    full_loss.backward()
    keep = ["model.embed_tokens.weight", "model.norm.weight"] + [
        "model.layers.0." + s + ".weight" for s in
        ("input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
         "post_attention_layernorm", "mlp.down_proj")] + ["model.layers.1.mlp.gate_proj.weight", "model.layers.1.post_attention_layernorm.weight"]
    write_safetensors(os.path.join(args.out, "full-grads.safetensors"), {k: Wf[k].grad for k in keep})

    with open(os.path.join(args.out, "batch.json"), "w") as f:
        json.dump({"rows": Bsz, "seqLen": T, "rank": rank, "alpha": alpha,
                   "inputs": tokens.reshape(-1).tolist(), "targets": targets.reshape(-1).tolist(),
                   "mask": mask.reshape(-1).tolist(), "loss": loss.item(), "fullLoss": full_loss.item()}, f)
        f.write("\n")
    print(f"lora loss {loss.item():.6f}, full loss {full_loss.item():.6f} -> {args.out}")


if __name__ == "__main__":
    main()
