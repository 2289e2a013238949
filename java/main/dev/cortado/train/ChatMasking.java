package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.chat.ChatMessage;
import dev.cortado.chat.ChatTemplate;
import dev.cortado.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tokenizes a conversation with the model's chat template and finds the assistant's tokens, which
 * alone carry loss. Templates are code, so the spans are found by rendering, not by guessing at the
 * markup: for assistant message i, P = render(messages[0..i), add_generation_prompt) and
 * A = render(messages[0..i]); the tokens of A past the common prefix of tokens(P) and tokens(A) are
 * the assistant's (whole renders are tokenized, never pieces, so tokens merge as they will at
 * inference; where P's last token merges with the reply, that boundary token is counted as the
 * reply's). Trailing whitespace-only tokens after the end-of-turn marker (chatml's "\n") are left out,
 * and so is a header the template appends to every render ({@link #withoutTail}).
 *
 * <p>When every A (up to its reply's end) is a token prefix of the whole conversation's render, the conversation is one
 * example. Some templates render earlier turns differently once later ones follow (Qwen3 and
 * DeepSeek-R1 drop the reasoning block of all but the last turn); then the prefix property fails and
 * the conversation becomes one example per assistant turn, each the render of the messages up to
 * that turn: more tokens, but every turn is trained exactly as the model will see it.
 */
final class ChatMasking {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final java.util.Set<Integer> specials;
    private int[] tail;  // tokens the template appends to every render (found on first use)
    /** Conversations split into one example per turn because the template broke the prefix property. */
    long splitConversations;

    ChatMasking(Tokenizer tokenizer, ChatTemplate template) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.specials = java.util.Set.copyOf(tokenizer.specialTokens().values());
    }

    List<Example> encode(long line, List<ChatMessage> messages) {
        List<int[]> turns = new ArrayList<>();  // per assistant turn: {start, end} in its render
        List<int[]> renders = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals("assistant")) continue;
            int[] before = tokens(line, messages.subList(0, i), true);
            int[] with = tokens(line, messages.subList(0, i + 1), false);
            int start = commonPrefix(before, with);
            int end = trimWhitespace(with, start, withoutTail(with, start));
            if (end <= start) continue;  // an empty reply renders nothing to learn
            turns.add(new int[]{start, end});
            renders.add(Arrays.copyOf(with, end));  // what follows the reply carries no loss
        }
        if (turns.isEmpty()) throw new BadLine(line, "the conversation has no assistant message with content to train on");
        int[] all = tokens(line, messages, false);
        boolean prefixHolds = true;
        for (int[] r : renders) prefixHolds &= r.length <= all.length && Arrays.equals(r, 0, r.length, all, 0, r.length);
        if (prefixHolds) {
            boolean[] loss = new boolean[all.length];
            for (int[] t : turns) for (int j = Math.max(1, t[0]); j < t[1]; j++) loss[j] = true;
            return List.of(new Example(all, loss));
        }
        splitConversations++;
        List<Example> out = new ArrayList<>();
        for (int k = 0; k < turns.size(); k++) {
            int[] r = renders.get(k);
            boolean[] loss = new boolean[r.length];
            for (int j = Math.max(1, turns.get(k)[0]); j < turns.get(k)[1]; j++) loss[j] = true;
            out.add(new Example(r, loss));
        }
        return out;
    }

    private int[] tokens(long line, List<ChatMessage> messages, boolean generationPrompt) {
        String text;
        try {
            text = template.render(messages, generationPrompt);
        } catch (CortadoException e) {
            throw new BadLine(line, e.getMessage());
        }
        return tokenizer.encode(text);
    }

    /**
     * The end of a reply's span without a tail the template appends to every render: some templates
     * (Llama 3's first release) emit the assistant header whatever add_generation_prompt says, so the
     * render of a conversation ending in a reply ends with the next reply's header. Such a tail shows
     * as the render of no messages, identical with and without the generation prompt.
     */
    private int withoutTail(int[] tokens, int start) {
        if (tail == null) {
            tail = new int[0];
            try {
                String bare = template.render(List.of(), false);
                if (!bare.isEmpty() && bare.equals(template.render(List.of(), true))) tail = tokenizer.encode(bare);
            } catch (CortadoException e) {
                // a template that needs messages has no unconditional tail to find this way
            }
        }
        int end = tokens.length;
        if (tail.length > 0 && end - start > tail.length
                && Arrays.equals(tokens, end - tail.length, end, tail, 0, tail.length)) end -= tail.length;
        return end;
    }

    static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    private int trimWhitespace(int[] tokens, int start, int end) {
        while (end > start && !specials.contains(tokens[end - 1]) && tokenizer.decode(new int[]{tokens[end - 1]}).isBlank()) end--;
        return end;
    }
}
