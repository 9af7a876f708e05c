#!/usr/bin/env bash
# The GPT-2 block step's twelve GEMMs (benchmarks/run-vs-pytorch.sh's block case: B8xT256, d768, MLP 3072,
# fused QKV; forward x·Wᵀ, backward dY·W and Xᵀ·dY) timed one by one on Hone (GemmSpeedMain) and on PyTorch
# 2.7.1 CPU through DJL (peer-djl DjlGemm), alternating the two in each round, with the machine's F32 FMA
# ceiling (FmaPeakMain) measured before and after; writes benchmarks/results/block-gemms-<date>.md. It
# says which of the block's products hold Hone back against PyTorch (issue 8) and how far each kernel is
# from the machine's peak at the same hour.
# Resolves the DJL jars into benchmarks/peer-djl/target/lib the first time (network once; scripts/common.sh).
# Environment: JAVA_HOME (JDK 25), ROUNDS (default 2), THREADS (default 2), HONE_CP (instead of
# benchmarks/target/benchmarks.jar).
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/scripts/common.sh
ROUNDS="${ROUNDS:-2}"
THREADS="${THREADS:-2}"
prepare_djl_peer

start_results block-gemms
# case <TAB> product; M x K x N of C[M, N] = A[M, K]·B[K, N] with 2048 tokens
cat > "$TMP/roles.tsv" <<'ROLES'
2048x768x2304,Bt	fwd QKV x·Wᵀ
2048x768x768,Bt	fwd attention out x·Wᵀ
2048x768x3072,Bt	fwd MLP up x·Wᵀ
2048x3072x768,Bt	fwd MLP down x·Wᵀ
2048x3072x768	bwd dX MLP up dY·W
2048x768x3072	bwd dX MLP down dY·W
2048x2304x768	bwd dX QKV dY·W
2048x768x768	bwd dX attention out dY·W
3072x2048x768,At	bwd dW MLP down dYᵀ·X
768x2048x3072,At	bwd dW MLP up Xᵀ·dY
768x2048x2304,At	bwd dW QKV Xᵀ·dY
768x2048x768,At	bwd dW attention out Xᵀ·dY
ROLES
SHAPES=$(cut -f1 "$TMP/roles.tsv" | tr '\n' ' ')
HONE=("$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$CP")
PEER_JVM=("$JAVA" --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -DDJL_CACHE_DIR="$PEER/target/djl-cache"
  -DENGINE_CACHE_DIR="$PEER/target/djl-cache/engine" -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1
  -cp "$PEER/target/classes:$PEER/target/lib/*")
peak() { "${HONE[@]}" dev.hone.benchmarks.FmaPeakMain "$THREADS" 2>/dev/null | cut -f3; }

PEAK_BEFORE=$(peak)
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 == 1 )); then order="hone torch"; else order="torch hone"; fi
  for impl in $order; do
    if [[ $impl == hone ]]; then
      # shellcheck disable=SC2086
      "${HONE[@]}" dev.hone.benchmarks.GemmSpeedMain "$THREADS" $SHAPES 2>/dev/null | tee -a "$TMP/rows.tsv"
    else
      # shellcheck disable=SC2086
      "${PEER_JVM[@]}" dev.hone.peer.djl.DjlGemm "$THREADS" $SHAPES 2> "$TMP/peer.err" | tee -a "$TMP/rows.tsv" \
        || { cat "$TMP/peer.err" >&2; exit 1; }
    fi
  done
done
PEAK_AFTER=$(peak)
{
  echo "# The GPT-2 block step's GEMMs: Hone vs PyTorch (DJL) on the CPU ($DATE UTC)"
  echo
  echo '```'
  echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p') ; $(nproc) CPUs ; avx512f=$(grep -c avx512f /proc/cpuinfo)"
  echo "java:    $("$JAVA" -version 2>&1 | head -1)"
  echo "peer:    PyTorch 2.7.1 CPU via DJL 0.35.1, torch.matmul on F32, num_threads=$THREADS"
  echo "peak:    F32 FMA ceiling with $THREADS threads (FmaPeakMain) $PEAK_BEFORE GFLOP/s before the rounds, $PEAK_AFTER after"
  echo "rounds:  $ROUNDS, alternating Hone and PyTorch; GFLOP/s at the median run of the best round"
  echo '```'
} > "$TMP/header.txt"
"$PY" benchmarks/scripts/gemm_table.py "$TMP/rows.tsv" "$TMP/header.txt" "$OUT" torch PyTorch "$TMP/roles.tsv"
echo "wrote $OUT"
