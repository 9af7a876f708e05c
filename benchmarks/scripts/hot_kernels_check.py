"""Turns a JMH CSV of HotKernelBenchmark (ms per call, one row per 'kernel' param) into a Markdown table
and compares each kernel with benchmarks/results/hot-kernels-baseline.tsv ('kernel<TAB>ms' lines,
measured on this machine kind by an earlier run of this script with --write-baseline). A kernel slower
than its baseline by more than TOLERANCE (1.5x: the 2-core machine is shared, so smaller drifts are
noise) is marked REGRESSION and the exit status is 1.
Usage: hot_kernels_check.py JMH.csv BASELINE.tsv [--write-baseline]"""
import csv
import os
import sys

TOLERANCE = 1.5


def main():
    csv_path, baseline_path = sys.argv[1:3]
    rows = {}
    with open(csv_path) as f:
        for r in csv.DictReader(f):
            rows[r["Param: kernel"]] = (float(r["Score"]), float(r["Score Error (99.9%)"] or "nan"))
    if "--write-baseline" in sys.argv[3:]:
        with open(baseline_path, "w") as out:
            for k, (ms, _) in rows.items():
                out.write(f"{k}\t{ms:.4f}\n")
    baseline = {}
    if os.path.exists(baseline_path):
        for line in open(baseline_path):
            k, ms = line.split()
            baseline[k] = float(ms)
    lines = ["## Hot-kernel regression set (JMH, HotKernelBenchmark, 2 threads, short settings)", "",
             "| kernel | ms/call | ± (99.9%) | baseline ms | ratio | verdict |", "|---|---|---|---|---|---|"]
    regressions = 0
    for k, (ms, err) in rows.items():
        base = baseline.get(k)
        if base is None:
            lines.append(f"| {k} | {ms:.3f} | {err:.3f} | - | - | no baseline |")
            continue
        ratio = ms / base
        verdict = "REGRESSION" if ratio > TOLERANCE else "ok"
        regressions += verdict == "REGRESSION"
        lines.append(f"| {k} | {ms:.3f} | {err:.3f} | {base:.3f} | {ratio:.2f} | {verdict} |")
    print("\n".join(lines))
    sys.exit(1 if regressions else 0)


if __name__ == "__main__":
    main()
