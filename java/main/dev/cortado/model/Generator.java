package dev.cortado.model;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * Text generation: the prompt is run in one prefill (in chunks of the model's batch size), then
 * tokens are sampled and fed back one at a time, each streamed as text the moment it is complete.
 * Generation stops after {@code maxNewTokens}, at EOS (or BOS, which delimits sequences in
 * llama2.c's models), or when the context is full — unless context shifting is on, in which case
 * the first {@code keep} positions stay and half of the rest are dropped, llama.cpp style.
 */
public final class Generator {
    /** Receives each generated token and the text it completes (possibly empty mid UTF-8 sequence). */
    @FunctionalInterface
    public interface Sink {
        void accept(int token, String text);
    }

    public enum Stop { LENGTH, EOS, CONTEXT_FULL }

    /** What happened: the generated ids, timing in nanoseconds, and why it stopped. */
    public record Result(int[] generated, int promptTokens, long promptNanos, long generateNanos, Stop stop) {
        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
        }

        /** Tokens per second of the decode phase (the first generated token comes from the prefill). */
        public double generateTokensPerSecond() {
            return generateNanos == 0 ? 0 : Math.max(0, generated.length - 1) * 1e9 / generateNanos;
        }
    }

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private boolean contextShift;
    private int keep = 1;

    public Generator(Transformer model, Tokenizer tokenizer, Sampler sampler) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.sampler = sampler;
    }

    /** Slide the context instead of stopping when it is full, keeping the first {@code keep} positions. */
    public Generator contextShift(boolean on, int keep) {
        this.contextShift = on;
        this.keep = Math.max(0, keep);
        return this;
    }

    /** Generates up to {@code maxNewTokens} after {@code prompt} (ids, BOS included if wanted). */
    public Result generate(int[] prompt, int maxNewTokens, Sink sink) {
        return generate(prompt, maxNewTokens, false, sink);
    }

    /**
     * Same; with {@code echo} the prompt's text goes to the sink first, through the same streaming
     * decoder as the continuation (so the leading-space rule applies once, at the start, as llama2.c prints).
     */
    public Result generate(int[] prompt, int maxNewTokens, boolean echo, Sink sink) {
        int ctx = model.contextLength();
        if (prompt.length == 0) throw new CortadoException("the prompt has no tokens (and no BOS was added)");
        if (prompt.length > ctx) {
            throw new CortadoException("the prompt has " + prompt.length + " tokens but the context holds " + ctx
                    + " (raise --ctx or shorten the prompt)");
        }
        if (maxNewTokens < 0) throw new IllegalArgumentException("maxNewTokens " + maxNewTokens);
        int[] history = Arrays.copyOf(prompt, prompt.length + Math.max(16, Math.min(maxNewTokens, 1 << 20)));
        int len = prompt.length;
        Tokenizer.StreamingDecoder decoder = tokenizer.streamingDecoder();
        Integer eosId = tokenizer.eosId(), bosId = tokenizer.bosId();
        int eos = eosId == null ? -1 : eosId, bos = bosId == null ? -1 : bosId;

        if (echo) for (int id : prompt) sink.accept(id, decoder.feed(id));
        long t0 = System.nanoTime();
        float[] logits = model.forward(prompt, 0);
        long t1 = System.nanoTime();
        int pos = prompt.length;  // positions filled in the cache
        int generated = 0;
        Stop stop = Stop.LENGTH;
        int[] one = new int[1];
        while (generated < maxNewTokens) {
            int next = sampler.sample(logits, history, len);
            if (next == eos || next == bos) {
                stop = Stop.EOS;
                break;
            }
            if (len == history.length) history = Arrays.copyOf(history, history.length * 2);
            history[len++] = next;
            generated++;
            sink.accept(next, decoder.feed(next));
            if (generated == maxNewTokens) break;
            if (pos == ctx) {
                if (!contextShift || keep >= ctx - 1) {
                    stop = Stop.CONTEXT_FULL;
                    break;
                }
                int discard = Math.max(1, (pos - keep) / 2);
                model.shiftContext(keep, discard, pos);
                pos -= discard;
            }
            one[0] = next;
            logits = model.forward(one, pos);
            pos++;
        }
        String rest = decoder.finish();
        if (!rest.isEmpty()) sink.accept(-1, rest);
        long t2 = System.nanoTime();
        return new Result(Arrays.copyOfRange(history, prompt.length, len), prompt.length, t1 - t0, t2 - t1, stop);
    }
}
