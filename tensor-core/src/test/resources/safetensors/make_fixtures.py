#!/usr/bin/env python3
"""Writes the safetensors fixtures read by dev.hone.tensor.io tests, independently of Hone's writer.

Follows the published format (https://github.com/huggingface/safetensors, README "Format"):
8-byte little-endian u64 N, N bytes of UTF-8 JSON header (padded with spaces), then the tensors'
row-major little-endian bytes. Only struct/json/numpy are used; the `safetensors` package is not.

Deliberate differences from Hone's writer, so the reader is tested on files it did not produce:
the header lists tensors sorted by name while the data is in another order, the data is not sorted by
alignment (multi-byte tensors start at odd offsets), and the header pads to 8 bytes with spaces.

Outputs (re-run from this directory: python3 make_fixtures.py):
  independent.safetensors, independent.expected.json
  sharded/model-0000{1,2}-of-00002.safetensors, sharded/model.safetensors.index.json, sharded/expected.json
The expected.json files list, for each tensor, dtype, shape and the exact stored values (floats as the
float64 value of the stored bits, integers exactly, BOOL as 0/1) and the data order.
"""
import json
import os
import struct

import numpy as np


def bf16_bits(values_f32):
    """float32 -> bfloat16 bit patterns, round to nearest even (the values used here are finite)."""
    bits = np.asarray(values_f32, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_values(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def tensor(dtype, shape, raw, values):
    """raw: little-endian bytes; values: flat list of the exact stored values."""
    return {"dtype": dtype, "shape": list(shape), "raw": raw, "values": values}


def from_numpy(dtype, array):
    le = array.astype(array.dtype.newbyteorder("<"))
    values = [int(bool(v)) for v in array.flat] if dtype == "BOOL" else [
        (float(v) if array.dtype.kind == "f" else int(v)) for v in array.flat]
    return tensor(dtype, array.shape, le.tobytes(), values)


def write(path, tensors_in_data_order, metadata):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    entries = {}
    for name, t in tensors_in_data_order:
        entries[name] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [offset, offset + len(t["raw"])]}
        offset += len(t["raw"])
    for name in sorted(entries):  # header order differs from data order on purpose
        header[name] = entries[name]
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, t in tensors_in_data_order:
            f.write(t["raw"])
    return offset


def expected(tensors_in_data_order, metadata):
    return {
        "order": [name for name, _ in tensors_in_data_order],
        "metadata": metadata or {},
        "tensors": {name: {"dtype": t["dtype"], "shape": t["shape"], "values": t["values"]}
                    for name, t in tensors_in_data_order},
    }


def independent_tensors(rng):
    brain_f32 = rng.standard_normal(8).astype(np.float32)
    brain_bits = bf16_bits(brain_f32).reshape(2, 2, 2)
    return [
        ("u8", from_numpy("U8", np.array([0, 200, 255], dtype=np.uint8))),
        ("emb.weight", from_numpy("F32", rng.standard_normal((3, 4)).astype(np.float32))),
        ("flags", from_numpy("BOOL", np.array([True, False, True, True]))),
        ("half", from_numpy("F16", rng.standard_normal((2, 3)).astype(np.float16))),
        ("i8", from_numpy("I8", np.array([-128, -1, 0, 127], dtype=np.int8))),
        ("norm.f64", from_numpy("F64", rng.standard_normal(5))),
        ("brain", tensor("BF16", (2, 2, 2), brain_bits.astype("<u2").tobytes(),
                         [float(v) for v in bf16_values(brain_bits).flat])),
        ("i32", from_numpy("I32", np.array([[-2147483648, 2147483647], [0, -7]], dtype=np.int32))),
        ("i64", from_numpy("I64", np.array([-(2 ** 62), 2 ** 53 + 1, 42], dtype=np.int64))),
        ("scalar", from_numpy("F32", np.array(3.5, dtype=np.float32))),
        ("empty", from_numpy("F32", np.zeros((0, 3), dtype=np.float32))),
    ]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    rng = np.random.default_rng(20261122)

    tensors = independent_tensors(rng)
    metadata = {"format": "pt", "note": "written by make_fixtures.py \u2013 not by Hone"}
    write(os.path.join(here, "independent.safetensors"), tensors, metadata)
    with open(os.path.join(here, "independent.expected.json"), "w") as f:
        json.dump(expected(tensors, metadata), f, indent=1)

    shard_dir = os.path.join(here, "sharded")
    os.makedirs(shard_dir, exist_ok=True)
    emb_bits = bf16_bits(rng.standard_normal(4).astype(np.float32)).reshape(2, 2)
    shards = {
        "model-00001-of-00002.safetensors": [
            ("model.embed_tokens.weight", from_numpy("F32", rng.standard_normal((4, 2)).astype(np.float32))),
            ("model.layers.0.mlp.weight", tensor("BF16", (2, 2), emb_bits.astype("<u2").tobytes(),
                                                  [float(v) for v in bf16_values(emb_bits).flat])),
        ],
        "model-00002-of-00002.safetensors": [
            ("model.layers.1.mlp.weight", from_numpy("F32", rng.standard_normal(2).astype(np.float32))),
            ("lm_head.bias", from_numpy("I64", np.array([7, -9], dtype=np.int64))),
        ],
    }
    weight_map, total, all_tensors = {}, 0, []
    for file_name, shard_tensors in shards.items():
        total += write(os.path.join(shard_dir, file_name), shard_tensors, {"format": "pt"})
        for name, t in shard_tensors:
            weight_map[name] = file_name
            all_tensors.append((name, t))
    with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(shard_dir, "expected.json"), "w") as f:
        json.dump(expected(all_tensors, {"total_size": str(total)}), f, indent=1)


if __name__ == "__main__":
    main()
