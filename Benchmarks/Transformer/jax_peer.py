"""JAX peer timing for the SaddleTensor reference Transformer (same model, float32).

The model is /work/shared/tools/peers/transformer_step.py's (vocab 64, d_model 64, 2 layers,
4 heads, MLP 256 GELU-tanh, seq 32, batch 32, pre-LayerNorm, causal attention, final
LayerNorm, untied head with bias, mean next-token cross-entropy; 110,400 parameters).
Times the median of jit(value_and_grad(loss)) and of a dimer probe (3 sequential gradient
calls at x, x + dN, x - dN), each call followed by block_until_ready.

Usage: /tmp/peers/.venv/bin/python Benchmarks/Transformer/jax_peer.py [--reps 100]
       [--vocab V --width D --layers L --heads H --mlp F --seq T --batch B]
(the sizes default to the reference model's; `saddle bench transformer --config NAME` passes
the named configuration's)
Prints one line: JAX gradient_ms=... dimer3_ms=... loss=...
Pin to one CPU with `taskset -c 0` for the 1-thread figure.
"""
import argparse
import math
import statistics
import time

import jax
import jax.numpy as jnp

V, D, L, H, F, T, B = 64, 64, 2, 4, 256, 32, 32


def set_sizes(v, d, l, h, f, t, b):
    global V, D, L, H, F, T, B
    assert d % h == 0, "width must be a multiple of heads"
    V, D, L, H, F, T, B = v, d, l, h, f, t, b


def init_params(key):
    ks = iter(jax.random.split(key, 64))
    nrm = lambda shape: 0.02 * jax.random.normal(next(ks), shape, jnp.float32)
    p = {"tok": nrm((V, D)), "pos": nrm((T, D)), "layers": [],
         "lnf_g": jnp.ones((D,)), "lnf_b": jnp.zeros((D,)),
         "head_w": nrm((D, V)), "head_b": jnp.zeros((V,))}
    for _ in range(L):
        p["layers"].append({
            "ln1_g": jnp.ones((D,)), "ln1_b": jnp.zeros((D,)),
            "qkv_w": nrm((D, 3 * D)), "qkv_b": jnp.zeros((3 * D,)),
            "o_w": nrm((D, D)), "o_b": jnp.zeros((D,)),
            "ln2_g": jnp.ones((D,)), "ln2_b": jnp.zeros((D,)),
            "fc1_w": nrm((D, F)), "fc1_b": jnp.zeros((F,)),
            "fc2_w": nrm((F, D)), "fc2_b": jnp.zeros((D,)),
        })
    return p


def layernorm(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) * jax.lax.rsqrt(var + eps) * g + b


def forward(p, idx):
    x = p["tok"][idx] + p["pos"][None, :, :]
    mask = jnp.tril(jnp.ones((T, T), bool))
    for lp in p["layers"]:
        h = layernorm(x, lp["ln1_g"], lp["ln1_b"])
        qkv = h @ lp["qkv_w"] + lp["qkv_b"]
        q, k, v = jnp.split(qkv, 3, axis=-1)
        sh = lambda a: a.reshape(B, T, H, D // H).transpose(0, 2, 1, 3)
        q, k, v = sh(q), sh(k), sh(v)
        att = (q @ k.transpose(0, 1, 3, 2)) / math.sqrt(D // H)
        att = jax.nn.softmax(jnp.where(mask, att, -1e9), axis=-1)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, D)
        x = x + y @ lp["o_w"] + lp["o_b"]
        h = layernorm(x, lp["ln2_g"], lp["ln2_b"])
        x = x + jax.nn.gelu(h @ lp["fc1_w"] + lp["fc1_b"]) @ lp["fc2_w"] + lp["fc2_b"]
    x = layernorm(x, p["lnf_g"], p["lnf_b"])
    return x @ p["head_w"] + p["head_b"]


def loss_fn(p, inp, tgt):
    logp = jax.nn.log_softmax(forward(p, inp), axis=-1)
    return -jnp.take_along_axis(logp, tgt[..., None], axis=-1).mean()


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=100)
    for name, value in (("vocab", V), ("width", D), ("layers", L), ("heads", H), ("mlp", F),
                        ("seq", T), ("batch", B)):
        ap.add_argument(f"--{name}", type=int, default=value)
    args = ap.parse_args()
    set_sizes(args.vocab, args.width, args.layers, args.heads, args.mlp, args.seq, args.batch)
    params = init_params(jax.random.PRNGKey(0))
    data = jax.random.randint(jax.random.PRNGKey(1), (B, T + 1), 0, V)
    inp, tgt = data[:, :-1], data[:, 1:]
    vg = jax.jit(jax.value_and_grad(loss_fn))
    leaves, treedef = jax.tree_util.tree_flatten(params)
    keys = jax.random.split(jax.random.PRNGKey(2), len(leaves))
    dirs = [jax.random.normal(k, l.shape, jnp.float32) for k, l in zip(keys, leaves)]
    norm = jnp.sqrt(sum(jnp.sum(d * d) for d in dirs))
    n = jax.tree_util.tree_unflatten(treedef, [d / norm for d in dirs])
    xp = jax.tree_util.tree_map(lambda a, d: a + 1e-3 * d, params, n)
    xm = jax.tree_util.tree_map(lambda a, d: a - 1e-3 * d, params, n)
    loss = float(vg(params, inp, tgt)[0])
    g_ms = median_ms(lambda: jax.block_until_ready(vg(params, inp, tgt)), 10, args.reps)

    def dimer():
        jax.block_until_ready((vg(params, inp, tgt), vg(xp, inp, tgt), vg(xm, inp, tgt)))

    d_ms = median_ms(dimer, 10, args.reps)
    count = sum(l.size for l in leaves)
    print(f"JAX gradient_ms={g_ms:.3f} dimer3_ms={d_ms:.3f} loss={loss:.6f} params={count} "
          f"jax={jax.__version__} devices={jax.devices()}")


if __name__ == "__main__":
    main()
