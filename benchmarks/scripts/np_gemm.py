"""numpy (OpenBLAS) SGEMM timings on the shapes of dev.hone.benchmarks.GemmShape, for the side-by-side
table of run-gemm-vs-openblas.sh. The thread count comes from OPENBLAS_NUM_THREADS, set before python
starts. Timing as GemmSpeedMain: warm up ~0.5 s (GemmSpeedMain takes 1.5 s, for its JIT), then runs for ~1 s (5 to 40 runs); one TSV row
per shape: impl, case, threads, median ms, best ms, GFLOP/s at median, GFLOP/s at best."""
import os
import sys
import time

import numpy as np

SHAPES = [  # name, m, k, n, transposed A, transposed B; keep in sync with GemmShape.standard()
    ("square512", 512, 512, 512, False, False),
    ("square1024", 1024, 1024, 1024, False, False),
    ("square2048", 2048, 2048, 2048, False, False),
    ("square4096", 4096, 4096, 4096, False, False),
    ("mlp_up [2048x768]@[768x3072]", 2048, 768, 3072, False, False),
    ("lora_A_r16 [2048x768]@[768x16]", 2048, 768, 16, False, False),
    ("lora_B_r16 [2048x16]@[16x768]", 2048, 16, 768, False, False),
    ("dW X^T@dY [768x2048]@[2048x3072]", 768, 2048, 3072, True, False),
    ("gemv [1x768]@[768x3072]", 1, 768, 3072, False, False),
    ("gemv_xWT [1x768]@[3072x768]^T", 1, 768, 3072, False, True),
]


def timeit(fn):
    warm_until = time.perf_counter() + 0.5
    warm = 0
    while warm < 3 or (time.perf_counter() < warm_until and warm < 200):
        fn()
        warm += 1
    samples = []
    start = time.perf_counter()
    while len(samples) < 40 and (len(samples) < 5 or time.perf_counter() - start < 1.0):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return samples[len(samples) // 2], samples[0]


def main():
    threads = int(os.environ.get("OPENBLAS_NUM_THREADS", "0"))
    wanted = set(sys.argv[1:])
    rng = np.random.default_rng(42)
    for name, m, k, n, trans_a, trans_b in SHAPES:
        if wanted and name not in wanted and name.split(" ")[0] not in wanted:
            continue
        a = rng.standard_normal((k, m) if trans_a else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if trans_b else (k, n), dtype=np.float32)
        c = np.empty((m, n), dtype=np.float32)
        a_op = a.T if trans_a else a
        b_op = b.T if trans_b else b
        med, best = timeit(lambda: np.matmul(a_op, b_op, out=c))
        flops = 2.0 * m * n * k
        print(f"openblas\t{name}\t{threads}\t{med * 1e3:.3f}\t{best * 1e3:.3f}\t{flops / med / 1e9:.2f}\t{flops / best / 1e9:.2f}",
              flush=True)


if __name__ == "__main__":
    main()
