#!/usr/bin/env bash
# Packs what the GPU tests and the hone command line need to run on a machine with a GPU but no JDK or Maven
# (e.g. a lent test box) into cuda-backend/target/gpu-run: a jlink'd Java runtime (xz) with the modules the
# hone jar needs, the JUnit/AssertJ jars from ~/.m2, and a tiny JUnit Platform launcher. Run after
# `mvn -o -pl cuda-backend -am test-compile` (and `./hone build` for the command line); then, on the GPU
# machine, from the repository root: scripts/run_gpu_tests.sh (carrying cuda-backend/target/gpu-run,
# cuda-backend/target/{classes,test-classes} and tensor-core/target/{classes,test-classes}) or
# scripts/hone_on_gpu.sh <hone arguments> (carrying cuda-backend/target/gpu-run and examples/target/hone.jar).
set -euo pipefail
MODULE=$(cd "$(dirname "$0")/.." && pwd)
OUT=$MODULE/target/gpu-run
JDK=${JAVA_HOME:?set JAVA_HOME to a JDK 25}
M2=${M2_REPO:-$HOME/.m2/repository}
rm -rf "$OUT" && mkdir -p "$OUT/lib" "$OUT/launcher"
for jar in org/junit/jupiter/junit-jupiter-api/5.14.1/junit-jupiter-api-5.14.1.jar \
           org/junit/jupiter/junit-jupiter-engine/5.14.1/junit-jupiter-engine-5.14.1.jar \
           org/junit/jupiter/junit-jupiter-params/5.14.1/junit-jupiter-params-5.14.1.jar \
           org/junit/platform/junit-platform-commons/1.14.1/junit-platform-commons-1.14.1.jar \
           org/junit/platform/junit-platform-engine/1.14.1/junit-platform-engine-1.14.1.jar \
           org/junit/platform/junit-platform-launcher/1.14.1/junit-platform-launcher-1.14.1.jar \
           org/opentest4j/opentest4j/1.3.0/opentest4j-1.3.0.jar \
           org/apiguardian/apiguardian-api/1.1.2/apiguardian-api-1.1.2.jar \
           org/assertj/assertj-core/3.27.7/assertj-core-3.27.7.jar \
           net/bytebuddy/byte-buddy/1.18.3/byte-buddy-1.18.3.jar; do
  cp "$M2/$jar" "$OUT/lib/"
done
cat > "$OUT/launcher/GpuLauncher.java" <<'JAVA'
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import java.io.PrintWriter;

/** Runs the named test classes, prints failures and skips with their reasons, exits 1 on any failure. */
public class GpuLauncher {
    public static void main(String[] classes) {
        var request = LauncherDiscoveryRequestBuilder.request();
        for (String c : classes) request.selectors(DiscoverySelectors.selectClass(c));
        var summary = new SummaryGeneratingListener();
        var printer = new TestExecutionListener() {
            @Override public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                if (id.isTest() && r.getStatus() != TestExecutionResult.Status.SUCCESSFUL)
                    System.out.println("FAIL " + id.getDisplayName() + ": " + r.getThrowable().map(Throwable::toString).orElse(""));
            }
            @Override public void executionSkipped(TestIdentifier id, String reason) { System.out.println("SKIP " + id.getDisplayName() + ": " + reason); }
        };
        LauncherFactory.create().execute(request.build(), summary, printer);
        summary.getSummary().printTo(new PrintWriter(System.out));
        summary.getSummary().printFailuresTo(new PrintWriter(System.out), 8);
        System.exit(summary.getSummary().getTotalFailureCount() == 0 && summary.getSummary().getTestsSucceededCount() > 0 ? 0 : 1);
    }
}
JAVA
"$JDK/bin/javac" -cp "$OUT/lib/*" -d "$OUT/launcher" "$OUT/launcher/GpuLauncher.java"
"$JDK/bin/jlink" --add-modules java.base,java.logging,jdk.unsupported,java.sql,jdk.incubator.vector --compress zip-9 --strip-debug \
    --no-header-files --no-man-pages --output "$OUT/jre"
tar -C "$OUT" -cJf "$OUT/jre.tar.xz" jre && rm -rf "$OUT/jre"
du -sh "$OUT"
