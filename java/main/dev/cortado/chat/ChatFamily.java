package dev.cortado.chat;

import java.util.List;

/**
 * The turn format a template writes, told by its markers, and the strings that end an assistant
 * turn in it (where generation stops).
 */
public enum ChatFamily {
    LLAMA3(List.of("<|eot_id|>", "<|eom_id|>")),
    GEMMA(List.of("<end_of_turn>")),
    CHATML(List.of("<|im_end|>")),
    PHI3(List.of("<|end|>", "<|endoftext|>")),
    ZEPHYR(List.of("</s>")),
    /** GLM-4: turns have no end marker; the next role's header ends one. */
    GLM(List.of("<|user|>", "<|observation|>", "<|endoftext|>")),
    LLAMA2(List.of("</s>")),
    MISTRAL(List.of("</s>")),
    /** A format none of the above: generation stops at the model's end-of-sequence token. */
    OTHER(List.of());

    private final List<String> stopStrings;

    ChatFamily(List<String> stopStrings) {
        this.stopStrings = stopStrings;
    }

    public List<String> stopStrings() {
        return stopStrings;
    }

    /** The family whose markers the template source carries, checked from the most specific. */
    public static ChatFamily detect(String source) {
        if (source == null) return OTHER;
        if (source.contains("<|start_header_id|>")) return LLAMA3;
        if (source.contains("<start_of_turn>")) return GEMMA;
        if (source.contains("<|im_start|>")) return CHATML;
        if (source.contains("[gMASK]")) return GLM;
        if (source.contains("<|user|>") && source.contains("<|end|>")) return PHI3;
        if (source.contains("<|user|>") && (source.contains("eos_token") || source.contains("</s>"))) return ZEPHYR;
        if (source.contains("<<SYS>>")) return LLAMA2;
        if (source.contains("[INST]")) return MISTRAL;
        return OTHER;
    }
}
