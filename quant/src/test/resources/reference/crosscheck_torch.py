#!/usr/bin/env python3
"""Cross-check of reference.bin (written by make_reference.py with numpy) against PyTorch.

Recomputes every case with torch operations in the form bitsandbytes' pure-PyTorch backend
(bitsandbytes/backends/default/ops.py) and functional.py use them: torch.linspace for the dynamic
map, abs().max(dim=-1), A * (1 / absmax), clamp, argmin over |scaled - code|, absmax.mean() for
the double-quant offset (torch's float32 cascade sum may land 1 ulp from the exactly rounded mean the
reference uses: such cases are reported and continue with the reference offset), torch.round for int8. Prints one line per array and 'all equal' when
every array matches bit for bit; the dynamic map it builds is written to dynamic_map_torch.txt.
bitsandbytes itself was not installed where this ran (torch 2.11, CPU). Run: python3 crosscheck_torch.py
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def load():
    blob = open(os.path.join(HERE, "reference.bin"), "rb").read()
    arrays = {}
    for line in open(os.path.join(HERE, "reference.tsv")):
        case, field, dtype, offset, count = line.split()
        np_type = {"F32": "<f4", "U8": "u1", "I8": "i1"}[dtype]
        arrays[(case, field)] = np.frombuffer(blob, dtype=np_type, count=int(count), offset=int(offset))
    cases = [line.split() for line in open(os.path.join(HERE, "cases.tsv"))]
    return arrays, cases


def create_dynamic_map():
    data = []
    for i in range(7):
        boundaries = torch.linspace(0.1, 1, 2 ** i + 1, dtype=torch.float32)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data += ((10 ** (-6 + i)) * means).tolist()
        data += (-(10 ** (-6 + i)) * means).tolist()
    data.append(0)
    data.append(1.0)
    data.sort()
    return torch.tensor(data, dtype=torch.float32)


def table(quant_type):
    if quant_type == "nf4":
        return torch.tensor(np.array(ARRAYS[("maps", "nf4")]), dtype=torch.float32)
    data = torch.tensor([0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0])
    return data / data.abs().max()


def blockwise(A, blocksize):
    n = A.numel()
    rem = n % blocksize
    full = n // blocksize
    absmax = torch.zeros(full + (1 if rem else 0), dtype=torch.float32)
    blocks = A[: n - rem].reshape(full, blocksize)
    absmax[:full] = blocks.abs().max(dim=-1)[0]
    scaled = torch.clamp(blocks * (1 / absmax[:full].view(-1, 1)), -1, 1).reshape(-1)
    if rem:
        absmax[-1] = A[n - rem:].abs().max()
        scaled = torch.cat([scaled, torch.clamp(A[n - rem:] * (1 / absmax[-1]), -1, 1)])
    return absmax, scaled


def quantize_4bit(A, quant_type, blocksize):
    absmax, scaled = blockwise(A, blocksize)
    if scaled.numel() % 2:
        scaled = torch.nn.functional.pad(scaled, (0, 1), value=0.0)
    q = torch.argmin(torch.abs(scaled.view(-1, 1) - table(quant_type)), dim=-1, keepdim=True).to(torch.uint8)
    return (q[::2] << 4 | q[1::2]).reshape(-1), absmax


def quantize_blockwise(A, code, blocksize):
    absmax, scaled = blockwise(A, blocksize)
    return torch.argmin(torch.abs(scaled.unsqueeze(-1) - code), dim=-1).to(torch.uint8), absmax


def main():
    results = []

    def check(name, got, want):
        got = np.asarray(got)
        same = got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got.view(np.uint8), want.view(np.uint8))
        results.append(same)
        print(f"{'ok  ' if same else 'DIFF'} {name}")

    dyn = create_dynamic_map()
    with open(os.path.join(HERE, "dynamic_map_torch.txt"), "w") as f:
        f.write(f"# torch {torch.__version__} create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8), float32 bits\n")
        f.write(" ".join(f"{v:08x}" for v in dyn.numpy().view(np.uint32)) + "\n")
    check("dynamic map", dyn.numpy(), ARRAYS[("maps", "dynamic")])
    for case, source, fmt, blocksize, numel, rows, cols in CASES:
        A = torch.tensor(np.array(ARRAYS[(source, "input")]))
        if fmt == "int8":
            A = A.reshape(int(rows), int(cols))
            stats = A.abs().max(dim=1).values.float()
            q = torch.nan_to_num(torch.round(A * (127.0 / stats.unsqueeze(-1))), nan=0.0).to(torch.int8)
            check(case + " codes", q.reshape(-1).numpy(), ARRAYS[(case, "codes")])
            check(case + " absmax", stats.numpy(), ARRAYS[(case, "absmax")])
            continue
        packed, absmax = quantize_4bit(A, fmt, int(blocksize))
        check(case + " packed", packed.numpy(), ARRAYS[(case, "packed")])
        check(case + " absmax", absmax.numpy(), ARRAYS[(case, "absmax")])
        offset = absmax.mean()
        want_offset = ARRAYS[(case, "offset")]
        ulps = abs(int(offset.numpy().view(np.int32)) - int(want_offset.view(np.int32)[0]))
        if ulps:
            # torch sums float32 in a vectorised cascade; the reference rounds the exact mean once.
            print(f"note {case} offset: torch mean is {ulps} ulp from the exactly rounded mean; using the reference offset")
            offset = torch.tensor(want_offset[0])
        qabsmax, nested = quantize_blockwise(absmax - offset, dyn, 256)
        check(case + " qabsmax", qabsmax.numpy(), ARRAYS[(case, "qabsmax")])
        check(case + " nested_absmax", nested.numpy(), ARRAYS[(case, "nested_absmax")])
    print("all equal" if all(results) else f"{results.count(False)} arrays differ")


ARRAYS, CASES = load()

if __name__ == "__main__":
    main()
