package dev.hone.transformer.sft;

import dev.hone.tensor.Tensor;
import dev.hone.transformer.data.Batch;
import dev.hone.transformer.model.TokenBatch;

import java.util.Optional;

/**
 * One {@link Batch} as the tensors a forward pass takes: ids, position ids and segment ids [B, T] (I32, in the
 * current scope) as a {@link TokenBatch}, and the next-token labels [B, T] ({@code -100} where no loss is taken).
 * Positions and segments come from the data pipeline unchanged, so packed examples never see each other.
 */
record BatchTensors(TokenBatch input, Tensor labels, int trainableTokens, int tokens) {

    static BatchTensors of(Batch b) {
        int rows = b.batchSize(), cols = b.seqLen();
        TokenBatch input = new TokenBatch(Tensor.ofInts(b.inputIds(), rows, cols), Tensor.ofInts(b.positionIds(), rows, cols),
                Optional.of(Tensor.ofInts(b.segmentIds(), rows, cols)));
        return new BatchTensors(input, Tensor.ofInts(b.labels(), rows, cols), b.trainableTokens(), rows * cols);
    }
}
