#!/usr/bin/env bash
# Sourced by the scripts that run on a GPU machine: sets JAVA (JAVA_HOME's java if set, else the runtime that
# scripts/gpu_bundle.sh packed, unpacked once into /tmp/hone-gpu) and puts the directory holding cuBLAS
# (found under /usr/local, /usr/lib or /opt, or CUBLAS_DIR) on LD_LIBRARY_PATH.
BUNDLE=${BUNDLE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/gpu-run}
if [[ -n "${JAVA_HOME:-}" ]]; then JAVA=$JAVA_HOME/bin/java; else
  [[ -x /tmp/hone-gpu/jre/bin/java ]] || { mkdir -p /tmp/hone-gpu && tar -xJf "$BUNDLE/jre.tar.xz" -C /tmp/hone-gpu; }
  JAVA=/tmp/hone-gpu/jre/bin/java
fi
CUBLAS_DIR=${CUBLAS_DIR:-$(dirname "$(find /usr/local /usr/lib /opt -name 'libcublas.so.1[23]' 2>/dev/null | head -1)")}
export LD_LIBRARY_PATH=$CUBLAS_DIR:${LD_LIBRARY_PATH:-}
