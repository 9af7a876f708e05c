# Sourced by the benchmark scripts in benchmarks/ (after `cd` to the repository root): the shared set-up.
# Sets ROOT, JAVA_HOME (default: Temurin 25), JAVA, CP (HONE_CP, or benchmarks/target/benchmarks.jar, built if
# missing), PY (PYTHON, default python3) and PEER (benchmarks/peer-djl); creates benchmarks/results.
# start_results NAME sets DATE (UTC, to the minute), OUT (benchmarks/results/NAME-DATE.md) and TMP (a scratch folder
# removed when the script exits).
# prepare_djl_peer resolves DJL and libtorch into benchmarks/peer-djl/target/lib once (needs the network that one
# time; later runs are offline) and compiles the peer's classes.
ROOT=$(pwd)
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
CP="${HONE_CP:-$ROOT/benchmarks/target/benchmarks.jar}"
PY="${PYTHON:-python3}"
PEER="$ROOT/benchmarks/peer-djl"
if [[ -z "${HONE_CP:-}" && ! -f "$CP" ]]; then
  (cd "$ROOT" && mvn -q -o -pl benchmarks -am package -DskipTests)
fi
mkdir -p "$ROOT/benchmarks/results"

prepare_djl_peer() {
  if [[ ! -f "$PEER/target/lib/pytorch-native-cpu-2.7.1-linux-x86_64.jar" ]]; then
    (cd "$PEER" && mvn -B -q -ntp org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies -DoutputDirectory=target/lib)
  fi
  mkdir -p "$PEER/target/classes" "$PEER/target/djl-cache"
  "$JAVA_HOME/bin/javac" -nowarn -cp "$PEER/target/lib/*" -d "$PEER/target/classes" "$PEER"/src/dev/hone/peer/djl/*.java
}

start_results() {
  DATE=$(date -u +%Y%m%d-%H%M)
  OUT="benchmarks/results/$1-$DATE.md"
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
}
