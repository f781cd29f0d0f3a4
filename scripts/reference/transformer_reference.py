"""Reference loss and gradient of the SaddleTensor Transformer, computed in JAX (float64).

Builds the same decoder-only Transformer as `Sources/SaddleTensor/Models/TransformerLM.swift`
(and /work/shared/tools/peers/transformer_step.py): learned token + position embeddings,
pre-LayerNorm (eps 1e-5) blocks with causal multi-head attention and a GELU-tanh MLP, final
LayerNorm, untied head with bias, mean next-token cross-entropy.

Parameters and tokens come from closed-form recipes that Swift reproduces exactly (no RNGs):
  flat index i over the whole parameter vector, s_i = sin(0.37 * i + 0.1) in float64, then
    weights and embeddings: 0.1 * s_i;  biases: 0.05 * s_i;  LayerNorm gains: 1 + 0.1 * s_i
  rounded to float32; tokens[b, t] = (7*b + 3*t + (b*t) % 5) % vocab.
The float32 parameters are then evaluated in float64, so the digest is the exact answer for
the float32 inputs.

Writes Tests/SaddleTensorTests/TransformerReferenceData.swift: the loss (float64 and JAX's own
float32 value), per-segment gradient L2 norms, and every 37th gradient entry.

Usage: /tmp/peers/.venv/bin/python scripts/reference/transformer_reference.py [--out PATH]
"""
import argparse
import math
import os

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

V, D, L, H, F, T, B = 64, 64, 2, 4, 256, 32, 4
STRIDE = 37


def segments():
    seg = [("embedding.token", (V, D)), ("embedding.position", (T, D))]
    for l in range(L):
        p = f"layer{l}."
        seg += [
            (p + "attention_norm.gain", (D,)), (p + "attention_norm.bias", (D,)),
            (p + "attention.qkv.weight", (D, 3 * D)), (p + "attention.qkv.bias", (3 * D,)),
            (p + "attention.output.weight", (D, D)), (p + "attention.output.bias", (D,)),
            (p + "mlp_norm.gain", (D,)), (p + "mlp_norm.bias", (D,)),
            (p + "mlp.fc1.weight", (D, F)), (p + "mlp.fc1.bias", (F,)),
            (p + "mlp.fc2.weight", (F, D)), (p + "mlp.fc2.bias", (D,)),
        ]
    seg += [("final_norm.gain", (D,)), ("final_norm.bias", (D,)), ("head.weight", (D, V)),
            ("head.bias", (V,))]
    return seg


def recipe_parameters():
    seg = segments()
    n = sum(int(np.prod(s)) for _, s in seg)
    s = np.sin(0.37 * np.arange(n, dtype=np.float64) + 0.1)
    flat = np.empty(n, dtype=np.float64)
    o = 0
    for name, shape in seg:
        k = int(np.prod(shape))
        if name.endswith(".gain"):
            flat[o:o + k] = 1 + 0.1 * s[o:o + k]
        elif name.endswith(".bias"):
            flat[o:o + k] = 0.05 * s[o:o + k]
        else:
            flat[o:o + k] = 0.1 * s[o:o + k]
        o += k
    return flat.astype(np.float32)


def recipe_tokens():
    b = np.arange(B)[:, None]
    t = np.arange(T + 1)[None, :]
    return ((7 * b + 3 * t + (b * t) % 5) % V).astype(np.int32)


def unflatten(flat):
    out, o = {}, 0
    for name, shape in segments():
        k = int(np.prod(shape))
        out[name] = flat[o:o + k].reshape(shape)
        o += k
    return out


def layernorm(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) * jax.lax.rsqrt(var + eps) * g + b


def loss_fn(flat, tokens):
    p = unflatten(flat)
    inp, tgt = tokens[:, :-1], tokens[:, 1:]
    x = p["embedding.token"][inp] + p["embedding.position"][None, :, :]
    mask = jnp.tril(jnp.ones((T, T), bool))
    for l in range(L):
        q_ = lambda k: p[f"layer{l}." + k]
        h = layernorm(x, q_("attention_norm.gain"), q_("attention_norm.bias"))
        qkv = h @ q_("attention.qkv.weight") + q_("attention.qkv.bias")
        q, k, v = jnp.split(qkv, 3, axis=-1)
        sh = lambda a: a.reshape(B, T, H, D // H).transpose(0, 2, 1, 3)
        q, k, v = sh(q), sh(k), sh(v)
        att = (q @ k.transpose(0, 1, 3, 2)) / math.sqrt(D // H)
        att = jnp.where(mask, att, -1e9)
        att = jax.nn.softmax(att, axis=-1)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, D)
        x = x + y @ q_("attention.output.weight") + q_("attention.output.bias")
        h = layernorm(x, q_("mlp_norm.gain"), q_("mlp_norm.bias"))
        hidden = jax.nn.gelu(h @ q_("mlp.fc1.weight") + q_("mlp.fc1.bias"), approximate=True)
        x = x + hidden @ q_("mlp.fc2.weight") + q_("mlp.fc2.bias")
    x = layernorm(x, p["final_norm.gain"], p["final_norm.bias"])
    logits = x @ p["head.weight"] + p["head.bias"]
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.take_along_axis(logp, tgt[..., None], axis=-1).mean()


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(
        here, "..", "..", "Tests", "SaddleTensorTests", "TransformerReferenceData.swift"))
    args = ap.parse_args()

    flat32 = recipe_parameters()
    tokens = jnp.asarray(recipe_tokens())
    loss64, grad64 = jax.value_and_grad(loss_fn)(jnp.asarray(flat32, jnp.float64), tokens)
    loss32 = jax.jit(loss_fn)(jnp.asarray(flat32, jnp.float32), tokens)
    grad64 = np.asarray(grad64)
    norms, o = [], 0
    for name, shape in segments():
        k = int(np.prod(shape))
        norms.append((name, float(np.linalg.norm(grad64[o:o + k]))))
        o += k
    idx = list(range(0, len(flat32), STRIDE))
    lines = [
        "// Generated by scripts/reference/transformer_reference.py (JAX "
        + jax.__version__ + ", float64). Do not edit.",
        "// Reference Transformer sizes with batch 4; parameters and tokens from the closed-form",
        "// recipe described in the script.",
        "",
        "enum TransformerReferenceData {",
        f"  static let batchSize = {B}",
        f"  static let parameterCount = {len(flat32)}",
        f"  static let loss: Double = {float(loss64)!r}",
        f"  static let jaxFloat32Loss: Double = {float(loss32)!r}",
        f"  static let gradientStride = {STRIDE}",
        "  static let segmentGradientNorms: [(name: String, norm: Double)] = [",
    ]
    lines += [f'    ("{n}", {v!r}),' for n, v in norms]
    lines += ["  ]", "  /// gradient[i * gradientStride] for i = 0, 1, ...", "  static let sampledGradient: [Double] = ["]
    vals = [repr(float(grad64[i])) for i in idx]
    for i in range(0, len(vals), 3):
        lines.append("    " + ", ".join(vals[i:i + 3]) + ",")
    lines += ["  ]", "}", ""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"loss float64 {float(loss64)!r}  jax float32 {float(loss32)!r}  "
          f"|grad| {np.linalg.norm(grad64):.6g}  wrote {args.out}")


if __name__ == "__main__":
    main()
