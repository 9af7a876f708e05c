"""Joins the TSV rows of GemmSpeedMain (impl 'hone') and np_gemm.py (impl 'openblas') into a Markdown
table of GFLOP/s and Hone/OpenBLAS ratios. Each (impl, case, threads) may appear in several rounds;
the table keeps the best round's median (other processes on a shared machine only ever slow a run
down), and also lists the per-round medians so noise is visible.
Usage: gemm_table.py ROWS.tsv HEADER.txt OUT.md"""
import sys
from collections import defaultdict


def main():
    rows_path, header_path, out_path = sys.argv[1:4]
    medians = defaultdict(list)  # (impl, case, threads) -> [GFLOP/s at median per round]
    order = []
    for line in open(rows_path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 7 or parts[0] not in ("hone", "openblas"):
            continue
        impl, case, threads, gflops = parts[0], parts[1], int(parts[2]), float(parts[5])
        medians[(impl, case, threads)].append(gflops)
        if (case, threads) not in order:
            order.append((case, threads))
    lines = [open(header_path).read().rstrip(), "",
             "| case | threads | OpenBLAS GFLOP/s | Hone GFLOP/s | Hone / OpenBLAS | rounds (OpenBLAS ; Hone) |",
             "|---|---|---|---|---|---|"]
    for case, threads in sorted(order, key=lambda ct: (ct[1], order.index(ct))):
        ob, ho = medians.get(("openblas", case, threads), []), medians.get(("hone", case, threads), [])
        if not ob or not ho:
            continue
        ratio = max(ho) / max(ob)
        rounds = " ".join(f"{g:.0f}" for g in ob) + " ; " + " ".join(f"{g:.0f}" for g in ho)
        lines.append(f"| {case} | {threads} | {max(ob):.1f} | {max(ho):.1f} | {ratio:.2f}x | {rounds} |")
    text = "\n".join(lines) + "\n"
    open(out_path, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
