package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.chat.ChatSession;
import dev.cortado.chat.ChatTemplate;
import dev.cortado.chat.SlashCommand;
import dev.cortado.kernels.Kernels;
import dev.cortado.model.KvCacheType;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Sampler;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code cortado chat}: a conversation with a model. On a terminal it is a line editor with
 * history, Tab completion of slash commands and Ctrl-C to stop a reply ({@link ChatRepl}); with
 * stdin not a terminal each input line is one user turn and each reply one block of stdout, so
 * scripts can pipe into it.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat with a model (GGUF, Hugging Face directory or llama2.c checkpoint).",
            "The model's chat template (or --template) renders the conversation; a base model without one runs in plain "
                    + "completion mode. The conversation stays in the KV cache: each turn evaluates only its new tokens.",
            "With stdin not a terminal, each non-blank input line is one user message and each reply goes to stdout, ending with a newline; "
                    + "notices and slash-command output go to stderr. Type /help in a chat for the commands."})
final class ChatCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "PATH", description = "the model (default: Cortado's small demo chat model, " + DefaultModel.RELATIVE + ")")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer.json, llama2.c tokenizer.bin or a GGUF (default: the model's own)")
    Path tokenizer;

    @CommandLine.Mixin
    SamplingOptions sampling;

    @Option(names = "--system", paramLabel = "TEXT", description = "the system prompt")
    String system;

    @Option(names = "--template", paramLabel = "NAME_OR_FILE", description = "chat template: a built-in name (chatml, llama3, llama2, mistral, gemma, phi3, zephyr) or a .jinja file (default: the model's own)")
    String template;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "0", description = "the most tokens per reply; 0 = until the end of the turn (default)")
    int maxTokens;

    @Option(names = "--ctx", paramLabel = "N", defaultValue = "0", description = "context length; 0 = the model's (default)")
    int ctx;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "kernel threads; 0 = all cores (default)")
    int threads;

    @Option(names = "--lora", paramLabel = "PATH[:FACTOR]", description = LoraOption.DESCRIPTION + "; /lora changes them in the chat")
    java.util.List<String> loras = new java.util.ArrayList<>();

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "prompt tokens per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "f16", converter = KvTypeConverter.class,
            description = KvTypeConverter.DESCRIPTION)
    KvCacheType kvType;

    @Override
    public Integer call() throws IOException {
        if (threads < 0) throw new CortadoException("--threads must be >= 0");
        if (maxTokens < 0) throw new CortadoException("--max-tokens must be >= 0");
        if (threads > 0) Kernels.setThreads(threads);
        if (model == null) model = DefaultModel.require();
        Sampler.Settings settings = sampling.settings();
        try (ModelFile f = ModelLoader.open(model, tokenizer); Transformer t = new Transformer(f, ctx, batch, kvType)) {
            LoraOption.apply(loras, f, t);
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            Optional<ChatTemplate> tmpl = ChatTemplate.forTokenizer(f.tokenizer(), template);
            if (tmpl.isEmpty()) System.err.println("cortado: " + ChatTemplate.NO_TEMPLATE_NOTICE);
            ChatSession session = new ChatSession(t, tok, tmpl.orElse(null), settings);
            Integer eot = f.tokenizer().eotId();
            if (eot != null && eot >= 0) session.addStopToken(eot);
            if (maxTokens > 0) session.maxTokens(maxTokens);
            session.system(system);
            if (System.console() != null) return new ChatRepl(session, model).run();
            return piped(session);
        }
    }

    /** One user turn per input line; replies to stdout, one line each; everything else to stderr. */
    private static int piped(ChatSession session) throws IOException {
        PrintStream out = System.out;
        PrintWriter info = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        ChatActions actions = new ChatActions(session, info, info::println);
        ChatSession.Listener listener = new ChatSession.Listener() {
            @Override
            public void text(String text) {
                byte[] b = text.getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                out.flush();
            }

            @Override
            public void notice(String message) {
                info.println("cortado: " + message);
            }
        };
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) continue;  // as at the prompt: an empty line is no message
            try {
                Optional<SlashCommand> cmd = SlashCommand.parse(line);
                if (cmd.isPresent()) {
                    if (!actions.run(cmd.get(), () -> replyLine(session.regenerate(listener, () -> false), out))) break;
                    continue;
                }
                String text = line.startsWith("//") ? line.substring(1) : line;
                replyLine(session.send(text, listener, () -> false), out);
            } catch (CortadoException e) {
                info.println("cortado: " + e.getMessage());
            }
        }
        return 0;
    }

    private static void replyLine(ChatSession.Reply r, PrintStream out) {
        out.println();
        out.flush();
    }
}
