#!/usr/bin/env bash
# Hone vs PyTorch on this machine, in one run (issue 8): times forward+backward of (a) a GPT-2-small block
# on 2048 tokens, dense and with LoRA r=16, (b) the stories260K LoRA step and a full LoRA training step (with AdamW)
# of a SmolLM-135M-shaped Llama, on Hone
# (dev.hone.benchmarks.peer.HoneStepsMain) and on PyTorch 2.7.1 CPU through DJL 0.35.1
# (benchmarks/peer-djl, a benchmark-only pom that no build includes), alternating the two in each round
# so that load from other processes slows both alike; then (m) the peak memory of one training step (issue 8:
# "peak memory of a QLoRA step at most PyTorch's LoRA step"): a SmolLM-135M-shaped Llama, B=1 x T=512,
# forward + backward + AdamW, LoRA r=16 on all linears, NF4 double-quantized frozen base on Hone
# (dev.hone.benchmarks.peer.QloraPeakMemoryMain) and F32 frozen base on PyTorch (peer-djl PeakMemoryMain),
# each in its own fresh JVM with the same flags (MEMORY_JVM_FLAGS), comparing the processes' peak resident
# sets (VmHWM) and, for Hone, the peak of live tensor bytes; then (c) the SGEMM shapes against numpy/OpenBLAS
# (run-gemm-vs-openblas.sh) and (d) the JMH hot-kernel regression set (HotKernelBenchmark, short settings,
# compared with benchmarks/results/hot-kernels-baseline.tsv). Writes benchmarks/results/perf-<date>.md.
#
# Needs the network once, to resolve DJL and libtorch from Maven Central into ~/.m2 and
# benchmarks/peer-djl/target/lib; later runs are offline (-Dai.djl.offline=true, DJL cache under
# benchmarks/peer-djl/target/djl-cache).
# Environment: JAVA_HOME (JDK 25), ROUNDS (default 3), THREADS (default 2), CASES (default
# block,lora,stories,smollm), SKIP (any of steps,memory,gemm,jmh; steps skips the timed rounds), MEMORY_STEPS (default 3), MEMORY_JVM_FLAGS (default
# -Xmx256m: the JVM flags of both memory runs; Hone's tensors are off-heap), HONE_CP (instead of benchmarks/target/benchmarks.jar),
# PERF_FLAGS (JVM flags for both sides, e.g. "-Dperf.budget_s=3 -Dperf.warmup_s=2" for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/scripts/common.sh
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-2}"
CASES="${CASES:-block,lora,stories,smollm}"
SKIP="${SKIP:-}"
PERF_FLAGS="${PERF_FLAGS:-}"
MEMORY_STEPS="${MEMORY_STEPS:-3}"
MEMORY_JVM_FLAGS="${MEMORY_JVM_FLAGS:--Xmx256m}"
STORIES="$ROOT/../shared/models/stories260K/stories260K.bin"
prepare_djl_peer

start_results perf

{
  echo "# Hone vs PyTorch (DJL) training steps on the CPU ($DATE UTC)"
  echo
  echo '```'
  echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p') ; $(nproc) CPUs ; avx512f=$(grep -c avx512f /proc/cpuinfo)"
  echo "java:    $("$JAVA" -version 2>&1 | head -1)"
  echo "peer:    PyTorch 2.7.1 CPU (eager autograd) via DJL 0.35.1, same JVM version, num_threads=$THREADS, interop 1"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the run)"
  echo "rounds:  $ROUNDS, alternating Hone and PyTorch; ms = median step of the best round"
  echo '```'
  echo
  echo "Both sides compute the same math (see Gpt2BlockStep and peer-djl/DjlSteps): GPT-2-small block, pre-LayerNorm"
  echo "(Hone: RMSNorm of the centred row + bias, identical), fused QKV, causal 12x64 attention (Hone's fused kernel skips the"
  echo "masked half; PyTorch computes T x T scores and masks), GELU (Hone tanh form, PyTorch erf form), MLP 3072, no linear"
  echo "biases, loss mean(out^2), x without gradient; LoRA r=16 on the 4 linears with the base frozen. stories260K: Hone loads"
  echo "the llama2.c checkpoint, PyTorch builds the same architecture with random weights of the same shapes; LoRA r=16,"
  echo "alpha 32 on all 7 linears of each layer; forward + backward, no optimizer step, on both sides. smollm135m_shape: a full"
  echo "LoRA training step (forward, mean cross-entropy, backward, AdamW with torch's defaults) of a SmolLM-135M-shaped Llama"
  echo "(hidden 576, 30 layers, 9/3 heads, SwiGLU 1536, vocab 49152, tied embeddings, random weights), B1xT512 random tokens,"
  echo "LoRA r=16 alpha 32 on all 7 linears, frozen F32 base (Hone SmolLoraStep, PyTorch peer-djl SmolLlamaLora: eager"
  echo "attention with T x T scores, as transformers' 'eager' mode)."
} > "$TMP/header.txt"

HONE_JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dhone.threads="$THREADS")
PEER_JVM=(--enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -DDJL_CACHE_DIR="$PEER/target/djl-cache"
  -DENGINE_CACHE_DIR="$PEER/target/djl-cache/engine" -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1)
hone() {
  "$JAVA" "${HONE_JVM[@]}" $PERF_FLAGS \
    -cp "$CP" dev.hone.benchmarks.peer.HoneStepsMain "$THREADS" "$CASES" "$STORIES" 2> "$TMP/hone.err"
}
pytorch() {
  DJL_OFFLINE=true "$JAVA" "${PEER_JVM[@]}" $PERF_FLAGS \
    -cp "$PEER/target/classes:$PEER/target/lib/*" dev.hone.peer.djl.DjlSteps "$THREADS" "$CASES" "$STORIES" 2> "$TMP/peer.err"
}
touch "$TMP/rows.tsv"
[[ ",$SKIP," == *",steps,"* ]] && ROUNDS=0
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 == 1 )); then order="hone pytorch"; else order="pytorch hone"; fi
  for impl in $order; do
    "$impl" | tee -a "$TMP/rows.tsv" || { cat "$TMP/$([[ $impl == hone ]] && echo hone || echo peer).err" >&2; exit 1; }
  done
done
echo "load after the steps: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$TMP/header.txt"

EXTRAS=()
if [[ ",$SKIP," != *",memory,"* ]]; then
  # Each side in its own fresh JVM, one after the other, so neither's resident set includes the other's.
  "$JAVA" "${HONE_JVM[@]}" $MEMORY_JVM_FLAGS -cp "$CP" dev.hone.benchmarks.peer.QloraPeakMemoryMain "$THREADS" "$MEMORY_STEPS" \
    > "$TMP/memory-hone.txt" 2> "$TMP/memory-hone.err" || { cat "$TMP/memory-hone.err" >&2; exit 1; }
  DJL_OFFLINE=true "$JAVA" "${PEER_JVM[@]}" $MEMORY_JVM_FLAGS -cp "$PEER/target/classes:$PEER/target/lib/*" \
    dev.hone.peer.djl.PeakMemoryMain "$THREADS" "$MEMORY_STEPS" > "$TMP/memory-peer.txt" 2> "$TMP/memory-peer.err" \
    || { cat "$TMP/memory-peer.err" >&2; exit 1; }
  {
    echo "## Peak memory of one training step (m)"
    echo
    echo "A SmolLM-135M-shaped Llama (hidden 576, 30 layers, 9/3 heads, SwiGLU 1536, vocab 49152, tied embeddings, random"
    echo "weights), B=1 x T=512 random tokens, forward + mean cross-entropy + backward + AdamW on LoRA r=16 (alpha 32) adapters"
    echo "of all 7 linears per layer, no activation checkpointing, $MEMORY_STEPS steps. Hone: QLoRA, projections NF4 with"
    echo "double-quantized absmax (embedding and norms F32). PyTorch: LoRA on the F32 base. Each side in its own fresh JVM;"
    echo "peak RSS is the process's VmHWM (/proc/self/status) after the steps, so it includes the JVM, libtorch and setup."
    echo
    echo '```'
    echo "JVM flags, both sides: $MEMORY_JVM_FLAGS (Hone: ${HONE_JVM[*]}; PyTorch: ${PEER_JVM[*]})"
    grep -h '^#' "$TMP/memory-hone.txt" "$TMP/memory-peer.txt"
    echo '```'
    echo
    echo "| step | peak RSS MiB | peak live tensors MiB | median ms/step (load-sensitive; not the speed comparison) | steps |"
    echo "|---|---|---|---|---|"
    cat "$TMP/memory-peer.txt" "$TMP/memory-hone.txt" | awk -F'\t' '$1 == "memory" {
        rss[$2] = $4 / 1024
        printf "| %s %s | %.0f | %s | %.0f | %d |\n", $2, $3, $4 / 1024, ($5 == "-" ? "n/a" : sprintf("%.0f", $5 / 1048576)), $6, $7
      }
      END {
        if (("hone" in rss) && ("pytorch" in rss)) {
          verdict = rss["hone"] <= rss["pytorch"] ? "meets" : "MISSES"
          printf "\nHone QLoRA peak RSS / PyTorch LoRA peak RSS: %.2f (%s issue 8: at most 1).\n", rss["hone"] / rss["pytorch"], verdict
        }
      }'
  } > "$TMP/memory.md"
  EXTRAS+=("$TMP/memory.md")
fi
if [[ ",$SKIP," != *",gemm,"* ]]; then
  before=$(ls benchmarks/results/gemm-*.md 2>/dev/null | sort | tail -1 || true)
  THREADS="$THREADS" ROUNDS="$ROUNDS" HONE_CP="$CP" benchmarks/run-gemm-vs-openblas.sh > "$TMP/gemm.log"
  after=$(ls benchmarks/results/gemm-*.md | sort | tail -1)
  [[ "$after" != "$before" ]] && { echo "## SGEMM (c)"; echo; sed '1,2d' "$after"; } > "$TMP/gemm.md" && EXTRAS+=("$TMP/gemm.md")
fi
if [[ ",$SKIP," != *",jmh,"* ]]; then
  "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djmh.ignoreLock=true -jar "$CP" HotKernelBenchmark \
    -f 1 -wi 2 -w 1s -i 3 -r 1s -rf csv -rff "benchmarks/results/hot-kernels-$DATE.csv" > "$TMP/jmh.log" 2>&1
  "$PY" benchmarks/scripts/hot_kernels_check.py "benchmarks/results/hot-kernels-$DATE.csv" \
    benchmarks/results/hot-kernels-baseline.tsv > "$TMP/jmh.md" || echo "hot kernels: REGRESSION (see $OUT)" >&2
  EXTRAS+=("$TMP/jmh.md")
fi
"$PY" benchmarks/scripts/perf_table.py "$TMP/rows.tsv" "$TMP/header.txt" "$OUT" "${EXTRAS[@]}"
echo "wrote $OUT"
