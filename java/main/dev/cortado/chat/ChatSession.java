package dev.cortado.chat;

import dev.cortado.CortadoException;
import dev.cortado.model.Sampler;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A conversation with a model, UI-free: the messages, the sampler settings, and what the model's
 * KV cache holds. Each turn renders the whole conversation (through the chat template, or — for a
 * base model without one — as the plain concatenation of the texts), finds the longest common
 * token prefix with the cache and evaluates only the rest. Replies stream through a
 * {@link Listener} and stop at end-of-turn/EOS tokens and at the template's stop strings, which
 * are never shown. When the context would overflow, the oldest turns are dropped (the system
 * prompt stays) and the cache is rebuilt once from the first token that changed.
 */
public final class ChatSession {
    /** Receives the reply's text as it streams, and notices about the conversation (e.g. dropped turns). */
    public interface Listener {
        void text(String text);

        default void notice(String message) {}
    }

    /** Why a reply ended. */
    public enum Stop { END_OF_TURN, STOP_STRING, LENGTH, CONTEXT_FULL, CANCELLED }

    /**
     * One reply: its text (as shown), its token ids as generated (an end-of-turn token excluded; tokens
     * that spelled a stop string included, as they are in the cache), the prompt tokens
     * of the turn and how many of them came from the cache, timings in nanoseconds.
     */
    public record Reply(String text, int[] tokens, int promptTokens, int reusedTokens,
                        long promptNanos, long generateNanos, Stop stop) {
        /** Evaluated (not reused) prompt tokens per second. */
        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : (promptTokens - reusedTokens) * 1e9 / promptNanos;
        }

        /** Decode speed; the first token comes from the prompt pass. */
        public double generateTokensPerSecond() {
            return generateNanos == 0 ? 0 : Math.max(0, tokens.length - 1) * 1e9 / generateNanos;
        }
    }

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;  // null: plain completion
    private final Set<Integer> stopTokens = new LinkedHashSet<>();
    private final List<String> stopStrings;

    private String system;  // null: none
    private final List<ChatMessage> turns = new ArrayList<>();  // user/assistant, no system
    private Sampler sampler;
    private int maxTokens;

    private int[] cache = new int[0];  // the tokens whose keys/values the model's cache holds, [0, cached)
    private int cached;
    private Reply last;

    /**
     * @param template the chat template, or null for plain completion (the texts concatenated)
     */
    public ChatSession(Transformer model, Tokenizer tokenizer, ChatTemplate template, Sampler.Settings settings) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.sampler = new Sampler(settings);
        this.maxTokens = model.contextLength();
        if (tokenizer.eosId() != null) stopTokens.add(tokenizer.eosId());
        if (tokenizer.bosId() != null) stopTokens.add(tokenizer.bosId());  // llama2.c's models end a story with BOS
        this.stopStrings = template == null ? List.of() : template.stopStrings();
        var specials = tokenizer.specialTokens();
        for (String s : stopStrings) if (specials.containsKey(s)) stopTokens.add(specials.get(s));
    }

    /** Another token that ends a reply (a model's end-of-turn token, say). */
    public ChatSession addStopToken(int id) {
        stopTokens.add(id);
        return this;
    }

    public Set<Integer> stopTokens() {
        return Set.copyOf(stopTokens);
    }

    public List<String> stopStrings() {
        return stopStrings;
    }

    public boolean plainCompletion() {
        return template == null;
    }

    // ---- the conversation

    /** The system prompt, or null. */
    public String system() {
        return system;
    }

    /** Sets (or, with null or blank, clears) the system prompt; the next turn re-evaluates from the first changed token. */
    public void system(String text) {
        system = text == null || text.isBlank() ? null : text;
    }

    /** The user and assistant turns, oldest first. */
    public List<ChatMessage> turns() {
        return List.copyOf(turns);
    }

    /** The messages as the template sees them: the system prompt (if any), then the turns. */
    public List<ChatMessage> messages() {
        List<ChatMessage> all = new ArrayList<>();
        if (system != null) all.add(ChatMessage.system(system));
        all.addAll(turns);
        return all;
    }

    /** Replaces the conversation (as {@code /load} does); a leading system message becomes the system prompt. */
    public void setMessages(List<ChatMessage> messages) {
        turns.clear();
        system = null;
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (i == 0 && m.role().equals("system")) system(m.content());
            else turns.add(m);
        }
    }

    /** Forgets the turns (the system prompt stays). */
    public void reset() {
        turns.clear();
        last = null;
    }

    /** Removes the last exchange (the last user message and the reply to it); false when there is none. */
    public boolean undo() {
        if (turns.isEmpty()) return false;
        if (turns.get(turns.size() - 1).role().equals("assistant")) turns.remove(turns.size() - 1);
        if (!turns.isEmpty() && turns.get(turns.size() - 1).role().equals("user")) turns.remove(turns.size() - 1);
        return true;
    }

    // ---- settings and stats

    public Sampler.Settings settings() {
        return sampler.settings();
    }

    public void settings(Sampler.Settings settings) {
        sampler = new Sampler(settings);
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** The most tokens a reply may have (at least 1). */
    public void maxTokens(int n) {
        if (n < 1) throw new IllegalArgumentException("max tokens must be >= 1: " + n);
        maxTokens = n;
    }

    /** The model this session runs (for run-time adapters: see {@link #invalidateCache}). */
    public Transformer model() {
        return model;
    }

    /**
     * Forgets what the KV cache holds, so the next turn evaluates the whole conversation again: needed
     * after anything changes the model's weights, such as loading or rescaling a LoRA adapter.
     */
    public void invalidateCache() {
        cached = 0;
    }

    /** Positions of the model's cache in use. */
    public int contextTokens() {
        return cached;
    }

    public int contextLength() {
        return model.contextLength();
    }

    /** The last reply, or null. */
    public Reply lastReply() {
        return last;
    }

    // ---- turns

    /** Adds the user's message and streams the reply to {@code listener}; {@code cancel} is polled once per token. */
    public Reply send(String userText, Listener listener, BooleanSupplier cancel) {
        turns.add(ChatMessage.user(userText));
        try {
            return reply(listener, cancel);
        } catch (RuntimeException e) {
            turns.remove(turns.size() - 1);
            throw e;
        }
    }

    /** Replaces the last reply with a new one (or answers the last user message if it has none). */
    public Reply regenerate(Listener listener, BooleanSupplier cancel) {
        if (!turns.isEmpty() && turns.get(turns.size() - 1).role().equals("assistant")) turns.remove(turns.size() - 1);
        if (turns.isEmpty() || !turns.get(turns.size() - 1).role().equals("user")) {
            throw new CortadoException("there is no user message to answer");
        }
        return reply(listener, cancel);
    }

    /** The prompt text for the messages: the template's rendering with the assistant header, or the texts joined. */
    public String render(List<ChatMessage> messages) {
        if (template != null) return template.render(messages, true);
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) sb.append(m.content());
        return sb.toString();
    }

    /** The prompt ids for the messages: the rendered text with special tokens recognised, BOS added if the model wants it and the template did not. */
    public int[] promptIds(List<ChatMessage> messages) {
        int[] ids = tokenizer.encode(render(messages));
        Integer bos = tokenizer.bosId();
        if (bos == null || !tokenizer.addsBos() || (ids.length > 0 && ids[0] == bos)) return ids;
        int[] out = new int[ids.length + 1];
        out[0] = bos;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    private Reply reply(Listener listener, BooleanSupplier cancel) {
        int ctx = model.contextLength();
        int reserve = Math.max(1, Math.min(maxTokens, ctx / 4));
        int[] prompt = fit(new int[0], reserve, listener);
        int promptLength = prompt.length;
        int reused = Math.min(commonPrefix(prompt), prompt.length - 1);

        int[] history = Arrays.copyOf(prompt, prompt.length + Math.min(maxTokens, ctx) + 1);
        int len = prompt.length;
        long t0 = System.nanoTime();
        float[] logits = model.forward(Arrays.copyOfRange(prompt, reused, prompt.length), reused);
        long t1 = System.nanoTime();
        cache = history;
        cached = len;
        int replyStart = len;

        Tokenizer.StreamingDecoder decoder = tokenizer.streamingDecoder();
        StopStringFilter filter = new StopStringFilter(stopStrings);
        StringBuilder text = new StringBuilder();
        Stop stop = null;
        int[] one = new int[1];
        while (stop == null) {
            if (cancel.getAsBoolean()) {
                stop = Stop.CANCELLED;
                break;
            }
            if (len - replyStart >= maxTokens) {
                stop = Stop.LENGTH;
                break;
            }
            int next = sampler.sample(logits, history, len);
            if (stopTokens.contains(next)) {
                stop = Stop.END_OF_TURN;
                break;
            }
            if (len == history.length) history = cache = Arrays.copyOf(history, history.length * 2);
            history[len++] = next;
            String shown = filter.feed(decoder.feed(next));
            emit(shown, text, listener);
            if (filter.stopped()) {
                stop = Stop.STOP_STRING;
                break;
            }
            if (len > ctx) {  // no room for `next`: drop old turns, rebuild the cache once
                int[] replyIds = Arrays.copyOfRange(history, replyStart, len);
                // leave room for a quarter of the context (or the rest of the reply), so the rebuild is rare
                int room = Math.max(1, Math.min(maxTokens - replyIds.length, ctx / 4));
                int[] rebuilt = fit(replyIds, room, listener);
                if (rebuilt == null) {
                    stop = Stop.CONTEXT_FULL;
                    listener.notice("the context of " + ctx + " tokens is full: the reply stops here");
                    break;
                }
                int from = Math.min(commonPrefix(rebuilt), rebuilt.length - 1);
                history = Arrays.copyOf(rebuilt, rebuilt.length + Math.min(maxTokens, ctx) + 1);
                cache = history;
                replyStart = rebuilt.length - replyIds.length;
                len = rebuilt.length;
                logits = model.forward(Arrays.copyOfRange(rebuilt, from, len), from);
                cached = len;
                continue;
            }
            one[0] = next;
            logits = model.forward(one, len - 1);
            cached = len;
        }
        emit(filter.feed(decoder.finish()), text, listener);
        emit(filter.finish(), text, listener);
        long t2 = System.nanoTime();
        int[] tokens = Arrays.copyOfRange(history, replyStart, len);
        turns.add(ChatMessage.assistant(text.toString()));
        last = new Reply(text.toString(), tokens, promptLength, reused, t1 - t0, t2 - t1, stop);
        return last;
    }

    private static void emit(String s, StringBuilder text, Listener listener) {
        if (s.isEmpty()) return;
        text.append(s);
        listener.text(s);
    }

    /**
     * The prompt ids for the current messages followed by {@code tail}, with room for {@code reserve}
     * more tokens: the oldest turns are dropped (with a notice) until it fits. With nothing left to
     * drop: for a new turn ({@code tail} empty) an error, mid-reply null.
     */
    private int[] fit(int[] tail, int reserve, Listener listener) {
        int ctx = model.contextLength();
        int dropped = 0;
        while (true) {
            int[] p = concat(promptIds(messages()), tail);
            if (p.length + reserve <= ctx || (tail.length == 0 && p.length < ctx && turns.size() <= 1)) {
                if (dropped > 0) {
                    listener.notice("the context is full: dropped the " + dropped + " oldest message" + (dropped == 1 ? "" : "s")
                            + (system != null ? " (the system prompt stays)" : ""));
                }
                return p;
            }
            if (turns.size() <= 1) {
                if (tail.length > 0) return null;
                throw new CortadoException("the message needs " + p.length + " tokens but the context holds " + ctx
                        + " (raise --ctx or shorten it)");
            }
            // drop the oldest exchange: a user message and the reply after it
            turns.remove(0);
            dropped++;
            if (turns.size() > 1 && turns.get(0).role().equals("assistant")) {
                turns.remove(0);
                dropped++;
            }
        }
    }

    private int commonPrefix(int[] ids) {
        int n = Math.min(cached, ids.length), i = 0;
        while (i < n && cache[i] == ids[i]) i++;
        return i;
    }

    private static int[] concat(int[] a, int[] b) {
        if (b.length == 0) return a;
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
