package dev.hone.cuda;

import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.ReduceOp;
import dev.hone.tensor.spi.UnaryOp;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Hand-kept agreements between Java and the native side: the op-code enums in the .cu files list the
 * Java enums' constants in the same order (kernels receive ordinals), and the committed bindings equal
 * what scripts/gen_bindings.py makes from bindings/symbols.txt.
 */
class GeneratedSourcesTest {

    private static List<String> cudaEnum(String file, String name) throws Exception {
        String source = Files.readString(Path.of("src/main/cuda", file));
        Matcher m = Pattern.compile("enum " + name + " \\{([^}]*)}").matcher(source);
        assertThat(m.find()).as("enum %s in %s", name, file).isTrue();
        return Arrays.stream(m.group(1).split(",")).map(String::trim).toList();
    }

    private static List<String> javaEnum(Enum<?>[] values) { return Arrays.stream(values).map(Enum::name).toList(); }

    @Test
    void kernelOpCodesFollowTheJavaEnums() throws Exception {
        assertThat(cudaEnum("elementwise.cu", "UnaryOp")).isEqualTo(javaEnum(UnaryOp.values()));
        assertThat(cudaEnum("elementwise.cu", "BinaryOp")).isEqualTo(javaEnum(BinaryOp.values()));
        assertThat(cudaEnum("elementwise.cu", "CompareOp")).isEqualTo(javaEnum(CompareOp.values()));
        assertThat(cudaEnum("reduce.cu", "ReduceOp")).isEqualTo(javaEnum(ReduceOp.values()));
    }

    @Test
    void committedBindingsMatchTheGenerator() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("python3", "scripts/gen_bindings.py", "--check").redirectErrorStream(true).start();
        } catch (java.io.IOException noPython) {
            assumeTrue(false, "python3 not available: bindings not regenerated (" + noPython.getMessage() + ")");
            return;
        }
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
    }
}
