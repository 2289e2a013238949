package dev.cortado.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.collections.PyList;
import dev.cortado.CortadoException;

import jinjava.javax.el.CompositeELResolver;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The Jinja engine set up the way Hugging Face renders chat templates (Jinja2 with
 * {@code trim_blocks} and {@code lstrip_blocks}): HubSpot's Jinjava with the extras templates call —
 * {@code raise_exception}, {@code strftime_now}, Python's {@code json.dumps} as {@code tojson}, the
 * {@code items} filter, Python string and dict methods ({@link PythonMethods}), loop filters and
 * {@code loop.previtem/nextitem} ({@link ChatForTag}), {@code {% generation %}} ({@link GenerationTag}).
 * {@code {% filter %}} blocks ({@link FilterBlockTag}). Whitespace control and what Jinjava's parser
 * reads differently are settled by rewriting the source first ({@link JinjaSource}).
 */
final class JinjaEnvironment {
    static {
        // Jinjava logs through SLF4J; without a provider SLF4J 2 warns on stderr. Quiet that once.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
    }

    private static final ThreadLocal<LocalDateTime> NOW = new ThreadLocal<>();
    /** No prompt is this long; a template that writes more is stopped. */
    static final int MAX_OUTPUT = 16 << 20;
    private static final JinjaEnvironment INSTANCE = new JinjaEnvironment();

    private final Jinjava jinjava;

    private JinjaEnvironment() {
        CompositeELResolver resolvers = new CompositeELResolver();
        resolvers.add(new PythonMethods());
        resolvers.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                // whitespace is settled by JinjaSource before Jinjava sees the source
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withKeepTrailingNewline(true)
                .withElResolver(resolvers)
                .withMaxOutputSize(MAX_OUTPUT)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withKeepNullableLoopValues(true)
                        .withHandleBackslashInQuotesOnly(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .build())
                .build();
        jinjava = new Jinjava(config);
        var global = jinjava.getGlobalContext();
        global.registerTag(new ChatForTag());
        global.registerTag(new GenerationTag());
        global.registerTag(new FilterBlockTag());
        global.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaEnvironment.class,
                "raiseException", Object.class));
        global.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaEnvironment.class,
                "strftimeNow", String.class));
        global.registerFunction(new ELFunctionDefinition("", "cortado_mul", JinjaEnvironment.class,
                "multiply", Object.class, Object.class));
        global.registerFunction(new ELFunctionDefinition("", "cortado_str", PyStr.class, "str", Object.class));
        global.registerFilter(new ToJson());
        global.registerFilter(new StringFilter());
        global.registerFilter(new Items());
    }

    static JinjaEnvironment get() {
        return INSTANCE;
    }

    /**
     * Renders {@code source} with {@code variables}; {@code now} is what {@code strftime_now} reads.
     * A {@code raise_exception} or a fatal engine error becomes a one-line CortadoException that
     * names {@code templateName}.
     */
    String render(String templateName, String source, Map<String, Object> variables, LocalDateTime now) {
        NOW.set(now);
        TemplateRaised.pending.remove();
        try {
            JinjaSource.Rewritten rewritten = JinjaSource.rewrite(source);
            RenderResult result = jinjava.renderForResult(rewritten.text(), variables);
            String raised = TemplateRaised.pending.get();
            if (raised != null) {
                throw new CortadoException("chat template " + templateName + " refused the conversation: " + raised);
            }
            for (TemplateError e : result.getErrors()) {
                if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                    throw new CortadoException("chat template " + templateName + ": line "
                            + rewritten.originalLine(e.getLineno(), e.getStartPosition()) + ": " + oneLine(e.getMessage()));
                }
            }
            return result.getOutput();
        } catch (CortadoException e) {
            throw e;
        } catch (JinjaSource.SyntaxError e) {
            throw new CortadoException("chat template " + templateName + ": " + e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            throw new CortadoException("chat template " + templateName + ": cannot render: "
                    + oneLine(String.valueOf(e.getMessage())), e);
        } finally {
            NOW.remove();
            TemplateRaised.pending.remove();
        }
    }

    private static String oneLine(String s) {
        String flat = s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
        return flat.length() > 300 ? flat.substring(0, 300) + "…" : flat;
    }

    // ---- functions and filters ----

    /** {@code raise_exception(msg)}: stops the render with the template's own message. */
    public static Object raiseException(Object message) {
        String m = String.valueOf(message);
        if (TemplateRaised.pending.get() == null) TemplateRaised.pending.set(m);
        throw new TemplateRaised(m);
    }

    /** {@code strftime_now(format)}: the render's clock, formatted like Python's strftime. */
    public static String strftimeNow(String format) {
        LocalDateTime now = NOW.get();
        return Strftime.format(now != null ? now : LocalDateTime.now(), format);
    }

    /** Python's {@code a * b}: numbers multiply, a string or list times a count repeats. */
    public static Object multiply(Object a, Object b) {
        if (b instanceof CharSequence || b instanceof List<?>) {
            Object t = a;
            a = b;
            b = t;
        }
        if (a instanceof CharSequence || a instanceof List<?>) {
            if (!(b instanceof Number count) || b instanceof Double || b instanceof Float) {
                throw new IllegalArgumentException("can't multiply a sequence by " + b);
            }
            long times = Math.max(0, count.longValue());
            long size = a instanceof CharSequence cs ? cs.length() : ((List<?>) a).size();
            if (size * times > MAX_OUTPUT) throw new IllegalArgumentException("repetition over " + MAX_OUTPUT + " items");
            if (a instanceof CharSequence cs) return cs.toString().repeat((int) times);
            List<Object> out = new ArrayList<>();
            for (long k = 0; k < times; k++) out.addAll((List<?>) a);
            return new PyList(out);
        }
        if (a instanceof Number x && b instanceof Number y) {
            boolean integral = !(x instanceof Double || x instanceof Float || x instanceof java.math.BigDecimal
                    || y instanceof Double || y instanceof Float || y instanceof java.math.BigDecimal);
            if (integral) {
                try {
                    return Math.multiplyExact(x.longValue(), y.longValue());
                } catch (ArithmeticException overflow) {
                    return java.math.BigInteger.valueOf(x.longValue()).multiply(java.math.BigInteger.valueOf(y.longValue()));
                }
            }
            return x.doubleValue() * y.doubleValue();
        }
        throw new IllegalArgumentException("can't multiply " + a + " by " + b);
    }

    /** {@code tojson(indent=None, separators=None, sort_keys=False)} as Python's json.dumps writes it. */
    static final class ToJson implements AdvancedFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            Object sortKeys = kwargs.get("sort_keys");
            return PyJson.dumps(var, indent, kwargs.get("separators"), Boolean.TRUE.equals(sortKeys));
        }
    }

    /** Jinja2's {@code string} filter: Python's {@code str}. */
    static final class StringFilter implements AdvancedFilter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return var == null ? "None" : PyStr.str(var);
        }
    }

    /** Jinja2's {@code items} filter: a mapping's (key, value) pairs. */
    static final class Items implements AdvancedFilter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            List<Object> pairs = new ArrayList<>();
            if (var instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) pairs.add(new PyList(new ArrayList<>(Arrays.asList(e.getKey(), e.getValue()))));
            }
            return new PyList(pairs);
        }
    }
}
