package dev.cortado.chat;

/**
 * Thrown by the template function {@code raise_exception(msg)}. Jinjava turns exceptions from
 * functions into collected errors and keeps rendering, so the message is also remembered in
 * {@link #pending} and {@link JinjaEnvironment} reports it once the render returns.
 */
final class TemplateRaised extends RuntimeException {
    static final ThreadLocal<String> pending = new ThreadLocal<>();

    TemplateRaised(String message) {
        super(message, null, false, false);
    }
}
