"""Joins the TSV rows of GemmSpeedMain (impl 'hone') and a peer's (np_gemm.py: impl 'openblas'; peer-djl
DjlGemm: impl 'torch') into a Markdown table of GFLOP/s and Hone/peer ratios. Each (impl, case, threads)
may appear in several rounds; the table keeps the best round's median (other processes on a shared
machine only ever slow a run down), and also lists the per-round medians so noise is visible. With a
ROLES file (TSV: case, what the product is), each row is labelled and a last row sums the medians'
milliseconds over the cases (the time of all the products once, e.g. one training step's GEMMs).
Usage: gemm_table.py ROWS.tsv HEADER.txt OUT.md [PEER_IMPL [PEER_LABEL [ROLES.tsv]]]
(PEER_IMPL defaults to openblas, PEER_LABEL to OpenBLAS)."""
import sys
from collections import defaultdict


def main():
    rows_path, header_path, out_path = sys.argv[1:4]
    peer = sys.argv[4] if len(sys.argv) > 4 else "openblas"
    label = sys.argv[5] if len(sys.argv) > 5 else "OpenBLAS"
    roles = {}
    if len(sys.argv) > 6:
        for line in open(sys.argv[6]):
            if line.strip():
                case, role = line.rstrip("\n").split("\t", 1)
                roles[case] = role
    medians = defaultdict(list)  # (impl, case, threads) -> [GFLOP/s at median per round]
    millis = defaultdict(list)  # (impl, case, threads) -> [median ms per round]
    order = []
    for line in open(rows_path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 7 or parts[0] not in ("hone", peer):
            continue
        impl, case, threads, gflops = parts[0], parts[1], int(parts[2]), float(parts[5])
        medians[(impl, case, threads)].append(gflops)
        millis[(impl, case, threads)].append(float(parts[3]))
        if (case, threads) not in order:
            order.append((case, threads))
    role_column = "| product " if roles else ""
    lines = [open(header_path).read().rstrip(), "",
             f"{role_column}| case | threads | {label} GFLOP/s | Hone GFLOP/s | Hone / {label} | rounds ({label} ; Hone) |",
             "|---" * (7 if roles else 6) + "|"]
    totals = defaultdict(lambda: [0.0, 0.0])  # threads -> [peer ms, hone ms]
    for case, threads in sorted(order, key=lambda ct: (ct[1], order.index(ct))):
        ob, ho = medians.get((peer, case, threads), []), medians.get(("hone", case, threads), [])
        if not ob or not ho:
            continue
        ratio = max(ho) / max(ob)
        rounds = " ".join(f"{g:.0f}" for g in ob) + " ; " + " ".join(f"{g:.0f}" for g in ho)
        role = f"| {roles.get(case, '')} " if roles else ""
        lines.append(f"{role}| {case} | {threads} | {max(ob):.1f} | {max(ho):.1f} | {ratio:.2f}x | {rounds} |")
        totals[threads][0] += min(millis[(peer, case, threads)])
        totals[threads][1] += min(millis[("hone", case, threads)])
    if roles:
        for threads, (peer_ms, hone_ms) in sorted(totals.items()):
            lines.append(f"| all of them, ms (best round's medians summed) | | {threads} | {peer_ms:.1f} ms | {hone_ms:.1f} ms "
                         f"| {peer_ms / hone_ms:.2f}x | |")
    text = "\n".join(lines) + "\n"
    open(out_path, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
