#!/usr/bin/env python3
"""Independent numpy reference for Hone's bitsandbytes-compatible quantization formats.

Written from bitsandbytes' published algorithm (bitsandbytes/functional.py: quantize_4bit,
quantize_blockwise, create_dynamic_map, get_4bit_type; bitsandbytes/backends/default/ops.py:
the pure-PyTorch quantize_4bit / quantize_blockwise / int8_vectorwise_quant kernels), not from
Hone's Java code. All arithmetic is float32 exactly as torch does it:

  4-bit:   absmax[b] = max |A| over block b (the last block may be partial: bnb pads it)
           scaled    = clamp(A * (1 / absmax[b]), -1, 1)             (two float32 roundings)
           code      = first argmin_c |scaled - table[c]|            (exact tie -> lower code)
           an odd element count is padded with one 0.0 before packing
           byte      = code[2i] << 4 | code[2i+1]                    (even element in the HIGH nibble)
  double:  offset    = mean(absmax) (float64 sum in index order, divided, rounded once to float32)
           (absmax - offset) quantized blockwise with blocksize 256 against the signed dynamic map
  dynamic map: create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8) with torch.linspace's
           float32 CPU formula (start + step*i for i < steps/2, else end - step*(steps-1-i)), each a fused
           multiply-add as PyTorch's AVX2/AVX512 build computes it; cross-checked bit for bit against
           torch 2.11 (dynamic_map_torch.txt, written by dynamic_map_torch.py).
  int8:    rowwise: absmax[r] = max |A[r,:]|; q = round_half_even(A * (127 / absmax[r])); all-zero rows -> 0

Outputs (little-endian): reference.bin (all arrays back to back) and reference.tsv
(one line per array: case, field, dtype, byte offset, element count), plus cases.tsv
(case, input, format, blocksize, numel, rows, cols), quant_state.tsv (bnb's packed quant_state JSON text for
each case) and python_float_repr.tsv (float32 bits, json.dumps text). Run: python3 make_reference.py
"""
import json
import os

import numpy as np

F32 = np.float32
HERE = os.path.dirname(os.path.abspath(__file__))

NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
                0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0], dtype=F32)
FP4 = (np.array([0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0.0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0],
                dtype=F32) / F32(12.0)).astype(F32)
TABLES = {"nf4": NF4, "fp4": FP4}


def fma32(a, b, c):
    """float32 fused multiply-add: a*b is exact in float64 for these operands, the sum too; one rounding."""
    return F32(np.float64(a) * np.float64(b) + np.float64(c))


def linspace32(start, end, steps):
    start, end = F32(start), F32(end)
    step = F32((end - start) / F32(steps - 1))
    half = steps // 2
    return np.array([fma32(step, i, start) if i < half else fma32(-step, steps - 1 - i, end)
                     for i in range(steps)], dtype=F32)


def dynamic_map():
    data = []
    for i in range(7):
        bounds = linspace32(0.1, 1.0, 2 ** i + 1)
        means = ((bounds[:-1] + bounds[1:]) / F32(2.0)).astype(F32)
        scale = F32(10.0 ** (-6 + i))
        data += list((scale * means).astype(F32))
        data += list((-scale * means).astype(F32))
    data += [F32(0.0), F32(1.0)]
    return np.sort(np.array(data, dtype=F32))


def nearest_code(scaled, table):
    """First index of the minimal float32 distance; NaN rows give index 0 (as torch/numpy argmin)."""
    diff = np.abs(scaled.astype(F32)[:, None] - table[None, :]).astype(F32)
    return np.argmin(diff, axis=1)


def blockwise_absmax_and_scaled(a, blocksize):
    n = a.size
    blocks = -(-n // blocksize)
    absmax = np.zeros(blocks, dtype=F32)
    scaled = np.empty(n, dtype=F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        for b in range(blocks):
            part = a[b * blocksize:(b + 1) * blocksize]
            absmax[b] = np.max(np.abs(part))
            inv = F32(1.0) / absmax[b]
            scaled[b * blocksize:(b + 1) * blocksize] = np.clip((part * inv).astype(F32), F32(-1.0), F32(1.0))
    return absmax, scaled


def quantize_4bit(a, quant_type, blocksize):
    absmax, scaled = blockwise_absmax_and_scaled(a, blocksize)
    if scaled.size % 2:
        scaled = np.concatenate([scaled, np.zeros(1, dtype=F32)])
    codes = nearest_code(scaled, TABLES[quant_type]).astype(np.uint8)
    packed = (codes[0::2] << 4) | codes[1::2]
    return packed.astype(np.uint8), absmax


def quantize_blockwise_8bit(a, code, blocksize):
    absmax, scaled = blockwise_absmax_and_scaled(a, blocksize)
    return nearest_code(scaled, code).astype(np.uint8), absmax


def double_quantize(absmax, dyn):
    offset = F32(np.cumsum(absmax.astype(np.float64))[-1] / absmax.size)
    q8, nested_absmax = quantize_blockwise_8bit((absmax - offset).astype(F32), dyn, 256)
    recovered = ((dyn[q8] * np.repeat(nested_absmax, 256)[:q8.size]).astype(F32) + offset).astype(F32)
    return offset, q8, nested_absmax, recovered


def dequantize_4bit(packed, absmax, quant_type, blocksize, n):
    codes = np.empty(packed.size * 2, dtype=np.uint8)
    codes[0::2] = packed >> 4
    codes[1::2] = packed & 0xF
    values = TABLES[quant_type][codes[:n]]
    return (values * np.repeat(absmax, blocksize)[:n]).astype(F32)


def int8_rowwise(a2d):
    absmax = np.max(np.abs(a2d), axis=1).astype(F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (F32(127.0) / absmax).astype(F32)
        q = np.rint((a2d * scale[:, None]).astype(F32))
    return np.nan_to_num(q, nan=0.0).astype(np.int8), absmax


def edge_input():
    """Blocks of 32 covering the cases the format must get exactly right."""
    blocks = []
    # exact NF4 midpoints (scale 1: the block's absmax is 1.0): t[k]/2 between 0 and t8, and sums of neighbours
    mids = [NF4[8] / F32(2), NF4[6] / F32(2), (NF4[14] + NF4[15]) / F32(2), (NF4[0] + NF4[1]) / F32(2),
            (NF4[9] + NF4[10]) / F32(2), (NF4[4] + NF4[5]) / F32(2)]
    fp4mids = [FP4[1] / F32(2), FP4[9] / F32(2), (FP4[6] + FP4[7]) / F32(2), (FP4[4] + FP4[5]) / F32(2),
               (FP4[7] + FP4[4]) / F32(2), (FP4[2] + FP4[3]) / F32(2), (FP4[14] + FP4[15]) / F32(2)]
    first = np.array([1.0] + mids + fp4mids + list(NF4) + [-0.0, 0.0], dtype=F32)
    blocks.append(np.resize(first, 32).astype(F32))
    blocks.append(np.zeros(32, dtype=F32))                                   # all-zero block
    blocks.append(np.full(32, 3.0, dtype=F32))                               # all-equal: 3 * (1/3) rounds above 1
    blocks.append(np.full(32, -0.7, dtype=F32))                              # all-equal negative
    blocks.append((np.arange(32, dtype=F32) - F32(15.5)) * F32(1e-3))        # small ramp
    tiny = np.array([1e-30, -1e-30, 3e-38, 0.0] * 8, dtype=F32)              # near-denormal scale
    blocks.append(tiny)
    big = np.linspace(-6e4, 6e4, 32).astype(F32)                             # large magnitudes
    blocks.append(big)
    return np.concatenate(blocks + [np.array([0.25, -0.5, 0.125], dtype=F32)]).astype(F32)  # odd tail


def write_json_examples(inputs, dyn):
    """bnb's packed quant_state text (json.dumps of QuantState.as_dict's non-tensor items) for the double-quantized
    cases, and Python's repr of a few float32 values as json.dumps writes floats."""
    lines = []
    for name, a in inputs.items():
        for quant_type in ("nf4", "fp4"):
            for blocksize in (32, 64, 256):
                _, absmax = quantize_4bit(a, quant_type, blocksize)
                offset = double_quantize(absmax, dyn)[0]
                state = {"quant_type": quant_type, "blocksize": blocksize, "dtype": "float32", "shape": [a.size],
                         "nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": float(offset)}
                lines.append(f"{name}_{quant_type}_{blocksize}\t{json.dumps(state)}")
                plain = {"quant_type": quant_type, "blocksize": blocksize, "dtype": "bfloat16", "shape": [3, a.size // 3]}
                lines.append(f"{name}_{quant_type}_{blocksize}_plain_bf16\t{json.dumps(plain)}")
    with open(os.path.join(HERE, "quant_state.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    floats = [0.0, -0.0, 1.0, 0.1, 1e-5, 1.5e-4, 1e-4, 123.456, 1e16, 1e15, 3.4e38, 1.17549435e-38, 2.5e-7, -0.013427734,
              0.33333334, 65504.0, 1234567.9]
    with open(os.path.join(HERE, "python_float_repr.tsv"), "w") as f:
        f.write("".join(f"{np.float32(v).view(np.uint32):08x}\t{json.dumps(float(np.float32(v)))}\n" for v in floats))


class Writer:
    def __init__(self):
        self.chunks, self.rows, self.offset = [], [], 0

    def add(self, case, field, arr):
        dtype = {np.dtype(F32): "F32", np.dtype(np.uint8): "U8", np.dtype(np.int8): "I8"}[arr.dtype]
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        self.rows.append(f"{case}\t{field}\t{dtype}\t{self.offset}\t{arr.size}")
        self.chunks.append(data)
        self.offset += len(data)


def main():
    rng = np.random.default_rng(20261122)
    gauss = rng.standard_normal(20001).astype(F32)
    gauss *= np.repeat(np.exp(rng.uniform(-3, 3, 20001 // 100 + 1)), 100)[:20001].astype(F32)
    inputs = {"gauss": gauss.astype(F32), "edge": edge_input()}
    dyn = dynamic_map()
    w = Writer()
    cases = []
    w.add("maps", "dynamic", dyn)
    w.add("maps", "nf4", NF4)
    w.add("maps", "fp4", FP4)
    for name, a in inputs.items():
        w.add(name, "input", a)
    for name, a in inputs.items():
        for quant_type in ("nf4", "fp4"):
            for blocksize in (32, 64, 256):
                case = f"{name}_{quant_type}_{blocksize}"
                packed, absmax = quantize_4bit(a, quant_type, blocksize)
                w.add(case, "packed", packed)
                w.add(case, "absmax", absmax)
                if name == "edge":
                    w.add(case, "dequantized", dequantize_4bit(packed, absmax, quant_type, blocksize, a.size))
                offset, q8, nested_absmax, recovered = double_quantize(absmax, dyn)
                w.add(case, "offset", np.array([offset], dtype=F32))
                w.add(case, "qabsmax", q8)
                w.add(case, "nested_absmax", nested_absmax)
                if name == "edge":
                    w.add(case, "dq_dequantized", dequantize_4bit(packed, recovered, quant_type, blocksize, a.size))
                w.add(case, "recovered_absmax", recovered)
                cases.append(f"{case}\t{name}\t{quant_type}\t{blocksize}\t{a.size}\t1\t{a.size}")
    write_json_examples(inputs, dyn)
    rows, cols = 9, 37
    mat = (rng.standard_normal((rows, cols)) * 2).astype(F32)
    mat[3, :] = 0.0                                                           # all-zero row
    mat[5, :] = np.resize(np.array([127.0, 2.5, -3.5, 0.5, -0.5, 1.5, -126.5], dtype=F32), cols)  # scale 1: ties
    w.add("int8", "input", mat.reshape(-1))
    q, absmax = int8_rowwise(mat)
    w.add("int8", "codes", q.reshape(-1))
    w.add("int8", "absmax", absmax)
    with open(os.path.join(HERE, "reference.bin"), "wb") as f:
        f.write(b"".join(w.chunks))
    with open(os.path.join(HERE, "reference.tsv"), "w") as f:
        f.write("\n".join(w.rows) + "\n")
    with open(os.path.join(HERE, "cases.tsv"), "w") as f:
        f.write("\n".join(cases + [f"int8\tint8\tint8\t0\t{rows * cols}\t{rows}\t{cols}"]) + "\n")


if __name__ == "__main__":
    main()
