"""Turns a JMH CSV of HotKernelBenchmark (ms per call, one row per 'kernel' param) into a Markdown table
and compares each kernel with benchmarks/results/hot-kernels-baseline.tsv ('kernel<TAB>ms' lines,
measured on this machine kind by an earlier run of this script with --write-baseline).

The shared 2-core host runs 1.0-1.6x slower from hour to hour, which moves every kernel at once, so each
kernel is judged against the run's host factor (the median of all kernels' ratios to their baselines):
a kernel is a REGRESSION when even the low end of its JMH 99.9% interval is more than TOLERANCE (1.3x)
slower than its baseline after dividing by the host factor; a kernel above that ratio whose interval
reaches below it is marked 'noisy' (rerun it). A host factor above HOST_WARNING (1.5x) is reported (a slow
host, or a change that slowed every kernel alike). The exit status is 1 when a kernel regressed.
Usage: hot_kernels_check.py JMH.csv BASELINE.tsv [--write-baseline]"""
import csv
import math
import os
import statistics
import sys

TOLERANCE = 1.3
HOST_WARNING = 1.5


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
    ratios = [ms / baseline[k] for k, (ms, _) in rows.items() if k in baseline]
    host = statistics.median(ratios) if ratios else 1.0
    lines = ["## Hot-kernel regression set (JMH, HotKernelBenchmark, 2 threads, short settings)", "",
             f"Host factor (median ratio to the baselines): {host:.2f}x; a kernel regresses when the low end of its "
             f"99.9% interval is more than {TOLERANCE}x its baseline after dividing by it.", ""]
    if host > HOST_WARNING:
        lines += [f"Every kernel ran {host:.2f}x its baseline: a slow host, or a change common to all kernels.", ""]
    lines += ["| kernel | ms/call | ± (99.9%) | baseline ms | ratio | / host | verdict |", "|---|---|---|---|---|---|---|"]
    regressions = 0
    for k, (ms, err) in rows.items():
        base = baseline.get(k)
        if base is None:
            lines.append(f"| {k} | {ms:.3f} | {err:.3f} | - | - | - | no baseline |")
            continue
        ratio = ms / base
        low = (ms - (0.0 if math.isnan(err) else err)) / base / host
        if low > TOLERANCE:
            verdict = "REGRESSION"
        elif ratio / host > TOLERANCE:
            verdict = "noisy"
        else:
            verdict = "ok"
        regressions += verdict == "REGRESSION"
        lines.append(f"| {k} | {ms:.3f} | {err:.3f} | {base:.3f} | {ratio:.2f} | {ratio / host:.2f} | {verdict} |")
    print("\n".join(lines))
    sys.exit(1 if regressions else 0)


if __name__ == "__main__":
    main()
