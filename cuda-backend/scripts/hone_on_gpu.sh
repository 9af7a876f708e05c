#!/usr/bin/env bash
# Runs the hone command line (examples/target/hone.jar) on a GPU machine with no JDK, from the repository
# root, e.g. `bash cuda-backend/scripts/hone_on_gpu.sh demo --backend cuda`. Java and cuBLAS are found by
# gpu_java.sh; HONE_JAVA_OPTS adds JVM options.
set -euo pipefail
source "$(dirname "$0")/gpu_java.sh"
exec "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx2g ${HONE_JAVA_OPTS:-} \
  -jar examples/target/hone.jar "$@"
