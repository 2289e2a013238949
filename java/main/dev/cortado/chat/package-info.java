/**
 * Chat templates: the prompt text for a conversation, from the model's own Jinja template (GGUF
 * {@code tokenizer.chat_template}, {@code tokenizer_config.json}'s {@code chat_template}), a
 * {@code .jinja} file, or a built-in one ({@link dev.cortado.chat.ChatTemplate#BUILTINS}).
 * <p>
 * Templates are written for Python's Jinja2 as Hugging Face sets it up. They are rendered here by
 * HubSpot's Jinjava, made to behave like that setup; every one of the 57 real templates in
 * {@code ../shared/chat-templates} renders byte for byte as Jinja2 renders it (see
 * {@code tools/chat-templates/render-reference.py}). What it took:
 * <ul>
 * <li>{@link dev.cortado.chat.JinjaSource} rewrites the source before Jinjava parses it:
 * Jinja2's whitespace control ({@code -}/{@code +}, {@code trim_blocks}, {@code lstrip_blocks},
 * the dropped trailing newline), slices ({@code x[a:b:c]}), keyword-argument and {@code not} /
 * {@code is} precedence, {@code +1} tokens, products ({@code "  " * n}), braces that whitespace
 * control joins to a tag.</li>
 * <li>{@link dev.cortado.chat.PythonMethods} answers Python's {@code str} and {@code dict} methods,
 * {@code loop.previtem}/{@code nextitem} and slices.</li>
 * <li>{@link dev.cortado.chat.ChatForTag} adds loop filters ({@code for x in xs if c});
 * {@link dev.cortado.chat.GenerationTag} and {@link dev.cortado.chat.FilterBlockTag} the
 * {@code generation} and {@code filter} blocks.</li>
 * <li>{@link dev.cortado.chat.JinjaEnvironment} registers {@code raise_exception},
 * {@code strftime_now}, {@code tojson} as Python's {@code json.dumps} ({@link dev.cortado.chat.PyJson}),
 * the {@code items} filter, the {@code string} filter and {@code {{ … }}} output as Python's
 * {@code str} ({@link dev.cortado.chat.PyStr}), and turns template errors into one-line
 * CortadoExceptions.</li>
 * </ul>
 * Known differences left: {@code {{ none }}} prints nothing (Jinjava cannot tell none from an
 * undefined name); {@code ~} joins booleans as {@code true}, not {@code True}; {@code range} stops
 * at Jinjava's limit; recursive macros render nothing; iterating a string yields the string.
 */
package dev.cortado.chat;
