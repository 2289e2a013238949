package dev.cortado.train;

import java.util.List;

/**
 * A model whose parameters a training loop updates: the fine-tuning model (LoRA factors over a
 * frozen base) and the pretraining model (every weight) both implement it, so one loop, one
 * optimizer and one checkpoint format serve both.
 *
 * <p>Gradients are added into each {@link Parameter#grad()}: the loop zeroes them once per optimizer
 * step and calls {@link #forwardBackward} once per micro-batch (gradient accumulation).
 */
public interface TrainableModel extends AutoCloseable {
    /** The trainable parameters, in a fixed order (checkpoints and the optimizer state follow it). */
    List<Parameter> parameters();

    /** Rows and sequence length of the micro-batches this model was built for. */
    int batchRows();

    int seqLen();

    int vocabSize();

    /**
     * Forward and backward over one micro-batch. Adds {@code gradScale} × d(Σ masked token losses)
     * into the gradients (the loop passes 1 / (masked tokens in the whole optimizer step), so the
     * gradient is that of the mean loss). Returns the summed masked loss and its token count.
     */
    LossSum forwardBackward(Batch batch, float gradScale);

    /** The summed masked loss of a batch without touching the gradients (evaluation). */
    LossSum loss(Batch batch);

    @Override
    void close();
}
