"""Joins the step rows of Hone's HoneStepsMain (impl 'hone') and the PyTorch peer's DjlSteps (impl
'pytorch'), lines 'impl<TAB>case<TAB>threads<TAB>median_ms<TAB>best_ms<TAB>runs', into a Markdown table
of milliseconds per step and speed ratios (PyTorch ms / Hone ms: above 1 means Hone is faster). Each
(impl, case, threads) may appear in several rounds; the table keeps the best round's median (other
processes on a shared machine only ever slow a run down) and lists every round's median so the noise
is visible. Lines starting with '#' are copied into the header as notes.
Usage: perf_table.py ROWS.tsv HEADER.txt OUT.md [EXTRA.md ...] (extra Markdown files are appended)"""
import sys
from collections import defaultdict


def main():
    rows_path, header_path, out_path = sys.argv[1:4]
    extras = sys.argv[4:]
    medians = defaultdict(list)
    order, notes = [], []
    for line in open(rows_path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            if line not in notes:
                notes.append(line)
            continue
        parts = line.split("\t")
        if len(parts) != 6 or parts[0] not in ("hone", "pytorch"):
            continue
        impl, case, threads, median = parts[0], parts[1], int(parts[2]), float(parts[3])
        medians[(impl, case, threads)].append(median)
        if (case, threads) not in order:
            order.append((case, threads))
    lines = [open(header_path).read().rstrip(), ""]
    lines += ["```"] + notes + ["```", ""] if notes else []
    lines += ["| step (forward + backward) | threads | PyTorch ms | Hone ms | Hone speed / PyTorch | rounds ms (PyTorch ; Hone) |",
              "|---|---|---|---|---|---|"]
    for case, threads in order:
        pt, ho = medians.get(("pytorch", case, threads), []), medians.get(("hone", case, threads), [])
        if not pt or not ho:
            continue
        rounds = " ".join(f"{v:.0f}" for v in pt) + " ; " + " ".join(f"{v:.0f}" for v in ho)
        lines.append(f"| {case} | {threads} | {min(pt):.1f} | {min(ho):.1f} | {min(pt) / min(ho):.2f}x | {rounds} |")
    text = "\n".join(lines) + "\n"
    for extra in extras:
        text += "\n" + open(extra).read()
    open(out_path, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
