#!/usr/bin/env bash
# Times Hone's CPU GEMM (dev.hone.benchmarks.GemmSpeedMain) and numpy/OpenBLAS on the same shapes,
# with 1 and 2 threads, in the same run, alternating the two in each round (other processes on a
# shared machine then slow both alike), and writes a Markdown table of GFLOP/s and Hone/OpenBLAS
# ratios to benchmarks/results/gemm-<date>.md.
#
# Environment: JAVA_HOME (JDK 25), ROUNDS (default 3), THREADS (default "1 2"),
# HONE_CP (class path to use instead of benchmarks/target/benchmarks.jar, which is built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/scripts/common.sh
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-1 2}"
start_results gemm

{
  echo "# Hone CPU GEMM vs numpy/OpenBLAS ($DATE UTC)"
  echo
  echo '```'
  echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p') ; $(nproc) CPUs ; flags avx512f=$(grep -c avx512f /proc/cpuinfo)"
  echo "java:    $("$JAVA" -version 2>&1 | head -1)"
  echo "numpy:   $("$PY" -c 'import numpy; print(numpy.__version__)') ; $("$PY" -c 'import numpy; c=numpy.show_config(mode="dicts"); print(c["Build Dependencies"]["blas"].get("openblas configuration",""))' 2>/dev/null || true)"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the run)"
  echo "rounds:  $ROUNDS, alternating Hone and OpenBLAS; GFLOP/s at the median run of the best round"
  echo '```'
} > "$TMP/header.txt"

for round in $(seq 1 "$ROUNDS"); do
  for t in $THREADS; do
    if (( round % 2 == 1 )); then order="hone openblas"; else order="openblas hone"; fi
    for impl in $order; do
      if [[ $impl == hone ]]; then
        "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$CP" \
          dev.hone.benchmarks.GemmSpeedMain "$t" 2>/dev/null | tee -a "$TMP/rows.tsv"
      else
        OPENBLAS_NUM_THREADS=$t "$PY" benchmarks/scripts/np_gemm.py | tee -a "$TMP/rows.tsv"
      fi
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$TMP/header.txt"
"$PY" benchmarks/scripts/gemm_table.py "$TMP/rows.tsv" "$TMP/header.txt" "$OUT"
echo "wrote $OUT"
