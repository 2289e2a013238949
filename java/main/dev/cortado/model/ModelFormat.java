package dev.cortado.model;

/** The file formats a model can come from. */
public enum ModelFormat {
    GGUF("GGUF"),
    HUGGING_FACE("Hugging Face (safetensors + config.json)"),
    LLAMA2C("llama2.c checkpoint");

    private final String description;

    ModelFormat(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
