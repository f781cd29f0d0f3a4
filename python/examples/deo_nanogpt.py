"""A small PyTorch character-level GPT trained with corrected DEO over AdamW from SaddleKit.

    pip install ./python torch          # PyTorch from PyPI (CPU is enough)
    python3 python/examples/deo_nanogpt.py [--steps 300] [--output curve.csv]

The model is nanoGPT's shape at toy size (2 blocks, 2 heads, width 64, context 32) on a
built-in text, so that it runs on a CPU in minutes. The optimizer is SaddleKit's `deo-adamw`
preset — every `period` steps a dimer estimates the lowest-curvature direction N of the loss
from gradient differences, the update's component along N is projected out when the
curvature is negative, AdamW steps, and a negative-curvature step moves along N — running in
Swift through the C API; the model, its data and its gradients stay in PyTorch. The dimer's
extra gradients are the closure's extra calls (`torch.optim.LBFGS` convention) and are
counted: the script prints the gradient evaluations and their cost next to the loss.
"""

import argparse
import csv
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import saddlekit
from saddlekit.torch import SaddleOptimizer

TEXT = (
    "It is a truth universally acknowledged, that a single man in possession of a good "
    "fortune, must be in want of a wife. However little known the feelings or views of such "
    "a man may be on his first entering a neighbourhood, this truth is so well fixed in the "
    "minds of the surrounding families, that he is considered the rightful property of some "
    "one or other of their daughters. "
) * 8


class Block(nn.Module):
    def __init__(self, width, heads, context):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(),
                                 nn.Linear(4 * width, width))
        mask = torch.triu(torch.ones(context, context, dtype=torch.bool), diagonal=1)
        self.register_buffer("mask", mask)

    def forward(self, x):
        t = x.shape[1]
        h = self.norm1(x)
        x = x + self.attention(h, h, h, attn_mask=self.mask[:t, :t], need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class CharGPT(nn.Module):
    def __init__(self, vocabulary, width=64, heads=2, blocks=2, context=32):
        super().__init__()
        self.token = nn.Embedding(vocabulary, width)
        self.position = nn.Embedding(context, width)
        self.blocks = nn.Sequential(*[Block(width, heads, context) for _ in range(blocks)])
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocabulary, bias=False)

    def forward(self, idx):
        positions = torch.arange(idx.shape[1], device=idx.device)
        x = self.token(idx) + self.position(positions)
        return self.head(self.norm(self.blocks(x)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--context", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="deo_nanogpt_curve.csv")
    parser.add_argument(
        "--spec", default='[{"stage":"deo-adamw","learningRate":0.003,"weightDecay":0.1,'
                          '"period":10}]')
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    chars = sorted(set(TEXT))
    data = torch.tensor([chars.index(c) for c in TEXT], dtype=torch.long)
    model = CharGPT(len(chars), context=args.context)
    names = [name for name, _ in model.named_parameters()]
    optimizer = SaddleOptimizer(model.parameters(), spec=args.spec, seed=args.seed,
                                names=names, on_nonfinite="skip")
    generator = torch.Generator().manual_seed(args.seed)

    rows = []
    began = time.perf_counter()
    for step in range(1, args.steps + 1):
        starts = torch.randint(len(data) - args.context - 1, (args.batch,), generator=generator)
        x = torch.stack([data[s:s + args.context] for s in starts])
        y = torch.stack([data[s + 1:s + 1 + args.context] for s in starts])

        def closure():  # one batch per step: every evaluation of the step uses it
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
            loss.backward()
            return loss

        loss = optimizer.step(closure)
        counts = optimizer.counts
        curvature = optimizer.metrics.get("curvature")
        rows.append({"step": step, "loss": loss, "gradients": counts["gradients"],
                     "cost": counts["cost"], "curvature": curvature})
        if step % max(1, args.steps // 10) == 0 or step == 1:
            print(f"step {step:4d}  loss {loss:.4f}  gradients {counts['gradients']:5d}  "
                  f"curvature {curvature if curvature is None else f'{curvature:.3g}'}  "
                  f"({time.perf_counter() - began:.0f} s)")
    with open(args.output, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    uniform = math.log(len(chars))
    print(f"final loss {rows[-1]['loss']:.4f} (uniform guess {uniform:.4f}); "
          f"{rows[-1]['gradients']} gradient evaluations for {args.steps} steps; "
          f"curve in {args.output}; saddlekit C API {saddlekit.api_version()}")


if __name__ == "__main__":
    main()
