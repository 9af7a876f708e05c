package dev.hone.transformer.checkpoint;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RopeStyle;
import dev.hone.transformer.model.LlamaConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.LlamaWeights;
import dev.hone.transformer.model.RopeScaling;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader for llama2.c's legacy .bin checkpoint (karpathy/llama2.c, run.c {@code read_checkpoint}):
 * seven little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a
 * negative vocab_size means an untied classifier follows), then float32 arrays in this order:
 * token_embedding [vocab, dim], rms_att [L, dim], wq [L, dim, dim], wk [L, kvDim, dim],
 * wv [L, kvDim, dim], wo [L, dim, dim], rms_ffn [L, dim], w1 [L, hidden, dim], w2 [L, dim, hidden],
 * w3 [L, hidden, dim], rms_final [dim], freq_cis_real and freq_cis_imag [seq_len, headDim/2] (unused),
 * then wcls [vocab, dim] when untied. Matrices are [out, in] like torch.nn.Linear weights.
 *
 * <p>Weights come back under Hugging Face names with q/k rows left in llama2.c's interleaved RoPE
 * order (config.ropeStyle = INTERLEAVED). The file size is checked against the header before any
 * array is read, so a truncated or oversized file is reported, never half-loaded.
 */
public final class Llama2cCheckpoint {
    private Llama2cCheckpoint() { }

    /** A loaded checkpoint: its config and [out, in] row-major float arrays under HF names with their shapes. */
    public record Loaded(Path file, LlamaConfig config, Map<String, float[]> weights, Map<String, int[]> shapes) {

        /** The weights as tensors of {@code dtype} in the current scope (writable copies, so trainable). */
        public LlamaWeights asWeights(DType dtype) {
            return new LlamaWeights() {
                @Override
                public Tensor tensor(String name, Shape shape) {
                    float[] data = weights.get(name);
                    if (data == null) throw new CheckpointException(file, "tensor '" + name + "': not in a llama2.c checkpoint");
                    if (!Arrays.equals(shapes.get(name), shape.dims())) {
                        throw new CheckpointException(file, "tensor '" + name + "': shape " + Arrays.toString(shapes.get(name))
                                + ", the model expects " + shape);
                    }
                    return Ops.cast(Tensor.of(data, shape.dims()), dtype);
                }

                @Override
                public DType dtype() { return dtype; }

                @Override
                public Parameter.Trainability trainability() { return Parameter.Trainability.TRAINABLE; }
            };
        }
    }

    /** Reads {@code file} and builds the model in {@code dtype} (F32 or BF16) in the current scope. */
    public static LlamaModel load(Path file, DType dtype) {
        Loaded loaded = read(file);
        return new LlamaModel(loaded.config(), loaded.asWeights(dtype));
    }

    public static Loaded read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 28) throw new CheckpointException(file, "file of " + size + " bytes is shorter than the 28-byte header");
            ByteBuffer header = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, header, 0, file);
            header.flip();
            int dim = header.getInt(), hidden = header.getInt(), layers = header.getInt(), heads = header.getInt();
            int kvHeads = header.getInt(), vocabRaw = header.getInt(), seqLen = header.getInt();
            boolean shared = vocabRaw > 0;
            int vocab = Math.abs(vocabRaw);
            if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
                    || dim % heads != 0 || heads % kvHeads != 0) {
                throw new CheckpointException(file, "implausible header dim=" + dim + " hidden_dim=" + hidden + " n_layers=" + layers
                        + " n_heads=" + heads + " n_kv_heads=" + kvHeads + " vocab_size=" + vocabRaw + " seq_len=" + seqLen);
            }
            int headDim = dim / heads;
            int kvDim = headDim * kvHeads;
            LlamaConfig config = new LlamaConfig(LlamaConfig.Architecture.LLAMA, vocab, dim, hidden, layers, heads, kvHeads, seqLen,
                    1e-5f, 10000f, new RopeScaling.None(), shared ? LlamaConfig.WordEmbeddings.TIED : LlamaConfig.WordEmbeddings.SEPARATE,
                    LlamaConfig.AttentionBias.NONE, 1, List.of(2), RopeStyle.INTERLEAVED);

            Map<String, int[]> shapes = new LinkedHashMap<>();
            shapes.put("model.embed_tokens.weight", new int[]{vocab, dim});
            for (int l = 0; l < layers; l++) shapes.put(layer(l, "input_layernorm.weight"), new int[]{dim});
            for (int l = 0; l < layers; l++) shapes.put(layer(l, "self_attn.q_proj.weight"), new int[]{dim, dim});
            for (int l = 0; l < layers; l++) shapes.put(layer(l, "self_attn.k_proj.weight"), new int[]{kvDim, dim});
            for (int l = 0; l < layers; l++) shapes.put(layer(l, "self_attn.v_proj.weight"), new int[]{kvDim, dim});
            for (int l = 0; l < layers; l++) shapes.put(layer(l, "self_attn.o_proj.weight"), new int[]{dim, dim});
            for (int l = 0; l < layers; l++) shapes.put(layer(l, "post_attention_layernorm.weight"), new int[]{dim});
            for (int l = 0; l < layers; l++) shapes.put(layer(l, "mlp.gate_proj.weight"), new int[]{hidden, dim});
            for (int l = 0; l < layers; l++) shapes.put(layer(l, "mlp.down_proj.weight"), new int[]{dim, hidden});
            for (int l = 0; l < layers; l++) shapes.put(layer(l, "mlp.up_proj.weight"), new int[]{hidden, dim});
            shapes.put("model.norm.weight", new int[]{dim});
            long freqFloats = (long) seqLen * headDim; // real + imag, each seq_len * headDim/2
            if (!shared) shapes.put("lm_head.weight", new int[]{vocab, dim});

            long floats = freqFloats;
            for (int[] s : shapes.values()) floats += numel(s);
            long expected = 28 + floats * 4;
            if (size != expected) {
                throw new CheckpointException(file, "size " + size + " bytes does not match the header, which implies " + expected
                        + " bytes (" + (size < expected ? "truncated" : "trailing data") + ")");
            }

            Map<String, float[]> weights = new LinkedHashMap<>();
            long pos = 28;
            for (Map.Entry<String, int[]> e : shapes.entrySet()) {
                if (e.getKey().equals("lm_head.weight")) pos += freqFloats * 4; // wcls follows the RoPE tables
                weights.put(e.getKey(), readFloats(ch, pos, Math.toIntExact(numel(e.getValue())), file));
                pos += numel(e.getValue()) * 4;
            }
            return new Loaded(file, config, weights, shapes);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static String layer(int l, String rest) { return "model.layers." + l + "." + rest; }

    private static long numel(int[] s) {
        long n = 1;
        for (int d : s) n *= d;
        return n;
    }

    private static float[] readFloats(FileChannel ch, long pos, int count, Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, pos, file);
        buf.flip();
        float[] out = new float[count];
        buf.asFloatBuffer().get(out);
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new CheckpointException(file, "unexpected end of file at byte " + pos);
            pos += n;
        }
    }
}
