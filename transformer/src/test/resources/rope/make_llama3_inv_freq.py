"""Expected RoPE inverse frequencies for RopeTablesTest, written to llama3_inv_freq.json.

An independent numpy transcription of transformers' modeling_rope_utils: _compute_default_rope_parameters
(inv_freq = 1 / base ** (arange(0, dim, 2) / dim)), _compute_linear_scaling (positions / factor, i.e.
inv_freq / factor) and _compute_llama3_parameters (wavelength bands with smooth interpolation), in float64.
Run: python3 make_llama3_inv_freq.py > llama3_inv_freq.json
"""
import json
import math

import numpy as np


def default_inv_freq(dim, base):
    return 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.float64) / dim))


def llama3(inv_freq, factor, low_freq_factor, high_freq_factor, old_context_len):
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = np.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return np.where(is_medium, smoothed, inv_freq_llama)


# Llama 3.1 8B's rope settings: head_dim 128, theta 500000, factor 8, low 1, high 4, original context 8192
base = default_inv_freq(128, 500000.0)
print(json.dumps({
    "head_dim": 128, "theta": 500000.0,
    "llama3": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192,
               "inv_freq": llama3(base, 8.0, 1.0, 4.0, 8192).tolist()},
    "linear": {"factor": 4.0, "inv_freq": (base / 4.0).tolist()},
    "default": {"inv_freq": base.tolist()},
}, indent=1))
