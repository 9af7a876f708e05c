#!/usr/bin/env python3
"""Independent numpy reference for Stories260KNf4PerplexityTest: stories260K's perplexity on the first
40,000 characters of shared/data/tinystories/tinystories_val.txt (16 windows of 512 predicted tokens), with
the F32 weights and with the 35 projection weights replaced by their bitsandbytes NF4 round trip (QLoRA
recipe: blocks of 64, double-quantized absmax), computed without any of Hone's code:

  tokens:  llama2.c's encode (run.c: BOS, a dummy-prefix space, UTF-8 pieces or byte fallback <0xXX> = byte + 3,
           then repeatedly merge the best-scoring adjacent pair, leftmost on ties) over tok512.bin
  model:   llama2.c's forward (run.c) over whole windows: RMSNorm (eps 1e-5), interleaved-pair RoPE
           (theta 10000), causal grouped-query attention (8 heads, 4 kv heads), SwiGLU, tied classifier;
           float64 arithmetic
  NF4:     quantize_4bit / double_quantize / dequantize_4bit of quant/src/test/resources/reference/make_reference.py
           (the numpy reference of bitsandbytes' published algorithm), on each [out, in] weight flattened row-major

Prints one line per model (perplexity and mean loss) and writes them to nf4_perplexity_numpy.tsv beside this
file. Run: python3 nf4_perplexity_numpy.py [path/to/shared]   (default: ../shared beside the repository).
"""
import heapq
import math
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "../../../../.."))
sys.path.insert(0, os.path.join(REPO, "quant/src/test/resources/reference"))
import make_reference as bnb  # noqa: E402

CHARS, ROWS, WINDOW = 40_000, 16, 512


def read_tokenizer(path, vocab_size):
    with open(path, "rb") as f:
        struct.unpack("<i", f.read(4))  # max_token_length
        pieces, scores = [], []
        for _ in range(vocab_size):
            score, length = struct.unpack("<fi", f.read(8))
            pieces.append(f.read(length))
            scores.append(score)
    return pieces, scores


def encode(text, pieces, scores):
    """llama2.c run.c encode(text, bos=1, eos=0), with a heap instead of its quadratic scan (same merges)."""
    lookup = {p: i for i, p in enumerate(pieces)}
    ids = []
    if text:
        ids.append(lookup[b" "])
    for ch in text:
        b = ch.encode("utf-8")
        if b in lookup:
            ids.append(lookup[b])
        else:
            ids.extend(x + 3 for x in b)
    # doubly linked list over the symbols; heap of (-score, position) candidates, validated when popped
    n = len(ids)
    nxt, prv, alive = list(range(1, n + 1)), list(range(-1, n - 1)), [True] * n
    heap = []

    def push(i):
        j = nxt[i]
        if j < n:
            merged = pieces[ids[i]] + pieces[ids[j]]
            if merged in lookup:
                heapq.heappush(heap, (-scores[lookup[merged]], i, ids[i], ids[j]))

    for i in range(n - 1):
        push(i)
    while heap:
        neg, i, left, right = heapq.heappop(heap)
        j = nxt[i] if alive[i] else n
        if not alive[i] or j >= n or ids[i] != left or ids[j] != right:
            continue
        ids[i] = lookup[pieces[left] + pieces[right]]
        alive[j] = False
        nxt[i] = nxt[j]
        if nxt[j] < n:
            prv[nxt[j]] = i
        if prv[i] >= 0:
            push(prv[i])
        push(i)
    out, i = [], 0
    while i < n:
        out.append(ids[i])
        i = nxt[i]
    return [1] + out


def read_model(path):
    with open(path, "rb") as f:
        dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("<7i", f.read(28))
        data = np.frombuffer(f.read(), dtype="<f4")
    shared = vocab > 0
    vocab = abs(vocab)
    head = dim // heads
    kv_dim = kv_heads * head
    at = 0

    def take(*shape):
        nonlocal at
        size = int(np.prod(shape))
        arr = data[at:at + size].reshape(shape).astype(np.float32)
        at += size
        return arr

    w = {"emb": take(vocab, dim), "rms_att": take(layers, dim), "wq": take(layers, dim, dim),
         "wk": take(layers, kv_dim, dim), "wv": take(layers, kv_dim, dim), "wo": take(layers, dim, dim),
         "rms_ffn": take(layers, dim), "w1": take(layers, hidden, dim), "w2": take(layers, dim, hidden),
         "w3": take(layers, hidden, dim), "rms_final": take(dim)}
    at += seq_len * head  # freq_cis_real and freq_cis_imag (recomputed below)
    w["cls"] = w["emb"] if shared else take(vocab, dim)
    cfg = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv_heads=kv_heads, vocab=vocab, head=head)
    return cfg, w


def nf4_round_trip(weight, dyn):
    flat = weight.reshape(-1).astype(np.float32)
    packed, absmax = bnb.quantize_4bit(flat, "nf4", 64)
    _, _, _, recovered = bnb.double_quantize(absmax, dyn)
    return bnb.dequantize_4bit(packed, recovered, "nf4", 64, flat.size).reshape(weight.shape)


def rmsnorm(x, g):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-5) * g


def rope(x, head):
    """x [T, H, head]: llama2.c rotates consecutive pairs (2i, 2i+1) by t * 10000^(-2i/head)."""
    t = np.arange(x.shape[0])[:, None]
    freq = 1.0 / (10000.0 ** (np.arange(0, head, 2) / head))
    angle = t * freq[None, :]                                   # [T, head/2]
    cos, sin = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = a * sin + b * cos
    return out


def mean_loss(cfg, w, ids, targets):
    T, dim, head, H, KV = len(ids), cfg["dim"], cfg["head"], cfg["heads"], cfg["kv_heads"]
    x = w["emb"][ids].astype(np.float64)                                              # [T, dim]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(cfg["layers"]):
        h = rmsnorm(x, w["rms_att"][l])
        q = rope((h @ w["wq"][l].T).reshape(T, H, head), head)
        k = rope((h @ w["wk"][l].T).reshape(T, KV, head), head)
        v = (h @ w["wv"][l].T).reshape(T, KV, head)
        att = np.empty((T, H, head))
        for hh in range(H):
            kv = hh // (H // KV)
            s = q[:, hh, :] @ k[:, kv, :].T / math.sqrt(head) + mask
            p = np.exp(s - s.max(axis=1, keepdims=True))
            att[:, hh, :] = (p / p.sum(axis=1, keepdims=True)) @ v[:, kv, :]
        x = x + att.reshape(T, dim) @ w["wo"][l].T
        h = rmsnorm(x, w["rms_ffn"][l])
        g, u = h @ w["w1"][l].T, h @ w["w3"][l].T
        x = x + (g / (1 + np.exp(-g)) * u) @ w["w2"][l].T
    logits = rmsnorm(x, w["rms_final"]) @ w["cls"].T                                   # [T, vocab]
    top = logits.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return float(np.mean(lse - logits[np.arange(T), targets]))


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "../shared")
    cfg, w = read_model(os.path.join(shared, "models/stories260K/stories260K.bin"))
    pieces, scores = read_tokenizer(os.path.join(shared, "models/stories260K/tok512.bin"), cfg["vocab"])
    with open(os.path.join(shared, "data/tinystories/tinystories_val.txt"), encoding="utf-8") as f:
        text = f.read()[:CHARS]
    tokens = encode(text, pieces, scores)
    assert len(tokens) > ROWS * WINDOW + 1, len(tokens)
    dyn = bnb.dynamic_map()
    nf4 = dict(w)
    for name in ("wq", "wk", "wv", "wo", "w1", "w2", "w3"):
        nf4[name] = np.stack([nf4_round_trip(w[name][l], dyn) for l in range(cfg["layers"])])
    lines = ["model\tperplexity\tmean_loss"]
    for label, weights in (("f32", w), ("nf4_b64_double_quant", nf4)):
        losses = [mean_loss(cfg, weights, tokens[r * WINDOW:(r + 1) * WINDOW], tokens[r * WINDOW + 1:(r + 1) * WINDOW + 1])
                  for r in range(ROWS)]
        loss = float(np.mean(losses))
        lines.append(f"{label}\t{math.exp(loss):.6f}\t{loss:.8f}")
        print(f"{label}: perplexity {math.exp(loss):.6f} (mean loss {loss:.8f}) over {ROWS * WINDOW} tokens")
    print(f"tokens in the slice: {len(tokens)}; first 12: {tokens[:12]}")
    with open(os.path.join(HERE, "nf4_perplexity_numpy.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
