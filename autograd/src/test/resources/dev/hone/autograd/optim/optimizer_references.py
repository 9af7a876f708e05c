"""Independent float64 references for OptimizerReferenceTest (numpy only; run: python3 optimizer_references.py > optimizer_references.txt).

Schedules transcribe Hugging Face transformers' optimization.py lambdas (_get_linear_schedule_with_warmup_lr_lambda,
_get_cosine_schedule_with_warmup_lr_lambda) times the peak rate. AdamW follows torch.optim.AdamW's documented
algorithm (decoupled decay applied as p *= 1 - lr*wd before the Adam update); SGD follows torch.optim.SGD
(dampening 0, weight decay added to the gradient, momentum buffer = gradient on the first step).
"""
import math
import numpy as np


def linear(step, peak, warmup, total):
    if step < warmup:
        return peak * float(step) / float(max(1, warmup))
    return peak * max(0.0, float(total - step) / float(max(1, total - warmup)))


def cosine(step, peak, warmup, total, cycles=0.5):
    if step < warmup:
        return peak * float(step) / float(max(1, warmup))
    progress = float(step - warmup) / float(max(1, total - warmup))
    return peak * max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress)))


def adamw(p, grads, lr, b1, b2, eps, wd):
    m = np.zeros_like(p); v = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        p = p * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1 ** t); vhat = v / (1 - b2 ** t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
    return p


def sgd(p, grads, lr, momentum, wd):
    buf = None
    for g in grads:
        g = g + wd * p
        buf = g.copy() if buf is None else momentum * buf + g
        p = p - lr * buf
    return p


def line(name, values):
    print(name + " " + " ".join(repr(float(x)) for x in values))


steps = [0, 1, 5, 9, 10, 11, 50, 99, 100, 120]
line("linear_peak3e-4_warmup10_total100", [linear(s, 3e-4, 10, 100) for s in steps])
line("cosine_peak3e-4_warmup10_total100", [cosine(s, 3e-4, 10, 100) for s in steps])
line("cosine_peak1_warmup0_total7_cycles1.5", [cosine(s, 1.0, 0, 7, 1.5) for s in steps])
p0 = np.array([0.5, -1.25, 2.0, 0.125])
grads = [np.array([0.1, -0.2, 0.3, 0.0]), np.array([-0.4, 0.05, 0.3, 1.5])]
line("adamw_lr0.01_b0.9_0.999_eps1e-8_wd0.1", adamw(p0, grads, 0.01, 0.9, 0.999, 1e-8, 0.1))
line("sgd_lr0.1_momentum0.9_wd0.01", sgd(p0, grads, 0.1, 0.9, 0.01))
