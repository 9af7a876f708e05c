package dev.hone.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The committed PTX must match its CUDA source and assemble. Each .cu has one PTX per target
 * (sm_80, sm_90) whose first line records the SHA-256 of the .cu and the shared .cuh headers (as
 * scripts/build_ptx.py writes it); a mismatch means someone edited a kernel without running
 * {@code mvn -Pregen-ptx generate-resources}. With ptxas available, every PTX is assembled for its target.
 */
class PtxUpToDateTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Path PTX = Path.of("src/main/resources/ptx");
    private static final List<String> ARCHS = List.of("80", "90");

    private static List<Path> cudaSources() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            return s.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
    }

    static String sourceDigest(Path cu) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(Files.readAllBytes(cu));
        List<Path> headers;
        try (Stream<Path> s = Files.list(SOURCES)) {
            headers = s.filter(p -> p.toString().endsWith(".cuh")).sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
        for (Path h : headers) sha.update(Files.readAllBytes(h));
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void everySourceHasPtxForEveryTargetRecordingItsDigest() throws Exception {
        List<Path> sources = cudaSources();
        assertThat(sources).isNotEmpty();
        for (Path cu : sources) {
            String family = cu.getFileName().toString().replace(".cu", "");
            String digest = sourceDigest(cu);
            for (String arch : ARCHS) {
                Path ptx = PTX.resolve(family + ".sm_" + arch + ".ptx");
                assertThat(ptx).as("PTX for %s", cu).exists();
                String firstLine = Files.readAllLines(ptx).getFirst();
                assertThat(firstLine).as("%s is stale: run mvn -Pregen-ptx generate-resources in cuda-backend", ptx)
                        .isEqualTo("// hone-source-sha256: " + digest);
            }
        }
    }

    @Test
    void noPtxWithoutASource() throws Exception {
        List<String> families = cudaSources().stream().map(p -> p.getFileName().toString().replace(".cu", "")).toList();
        try (Stream<Path> s = Files.list(PTX)) {
            s.forEach(p -> assertThat(families).as("source of %s", p).contains(p.getFileName().toString().replaceFirst("\\.sm_\\d+\\.ptx$", "")));
        }
    }

    @TestFactory
    Stream<DynamicTest> everyPtxAssemblesWithPtxas() throws IOException {
        Path ptxas = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path cu : cudaSources()) {
            String family = cu.getFileName().toString().replace(".cu", "");
            for (String arch : ARCHS) {
                Path ptx = PTX.resolve(family + ".sm_" + arch + ".ptx");
                tests.add(DynamicTest.dynamicTest("ptxas -arch=sm_" + arch + " " + ptx.getFileName(), () -> {
                    assumeTrue(Files.isExecutable(ptxas), "ptxas not found at " + ptxas + " (set CUDA_HOME): PTX not assembled");
                    Process p = new ProcessBuilder(ptxas.toString(), "-arch=sm_" + arch, "-o", "/dev/null", ptx.toString())
                            .redirectErrorStream(true).start();
                    String output = new String(p.getInputStream().readAllBytes());
                    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("ptxas finished").isTrue();
                    assertThat(p.exitValue()).as("ptxas %s: %s", ptx, output).isZero();
                }));
            }
        }
        return tests.stream();
    }
}
