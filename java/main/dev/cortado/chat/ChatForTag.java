package dev.cortado.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter.InterpreterScopeClosable;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import com.hubspot.jinjava.util.ObjectTruthValue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Jinjava's {@code for} tag with two Jinja2 features chat templates use and Jinjava lacks:
 * a filter ({@code {% for k, v in d.items() if k != "return" %}}), and {@code loop.previtem} /
 * {@code loop.nextitem}. The items are collected into a list first (filtered, as Jinja2 filters
 * before counting {@code loop.index} and {@code loop.length}), kept on a per-thread stack while the
 * body renders, and read back by {@link PythonMethods} through {@link #neighbour}.
 */
final class ChatForTag extends ForTag {
    private static final long serialVersionUID = 1L;
    private static final ThreadLocal<Deque<List<Object>>> ITEMS = ThreadLocal.withInitial(ArrayDeque::new);

    @Override
    public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
        var varsAndExpression = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
        List<String> vars = varsAndExpression.getLeft();
        String expression = varsAndExpression.getRight();
        int cut = filterStart(expression);
        String iterable = cut < 0 ? expression : expression.substring(0, cut);
        Object collection = interpreter.resolveELExpression(iterable, tagNode.getLineNumber());

        List<Object> items = new ArrayList<>();
        ForLoop all = ObjectIterator.getLoop(collection);
        while (all.hasNext()) items.add(all.next());
        if (cut >= 0) items = filter(items, vars, expression.substring(cut + 4), tagNode, interpreter);

        Deque<List<Object>> stack = ITEMS.get();
        stack.push(items);
        try {
            return renderForCollection(tagNode, interpreter, vars, items);
        } finally {
            stack.pop();
        }
    }

    /** The item {@code step} places from the current one in the innermost loop, or null past either end. */
    static Object neighbour(ForLoop loop, int step) {
        List<Object> items = ITEMS.get().peek();
        if (items == null) return null;
        int i = loop.getIndex0() + step;
        return i >= 0 && i < items.size() ? items.get(i) : null;
    }

    private static List<Object> filter(List<Object> items, List<String> vars, String condition,
                                       TagNode tagNode, JinjavaInterpreter interpreter) {
        List<Object> kept = new ArrayList<>();
        for (Object item : items) {
            try (InterpreterScopeClosable c = interpreter.enterScope()) {
                bind(item, vars, interpreter);
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition, tagNode.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return kept;
    }

    /** The loop variables as the loop body will see them: one name, or unpacked from a pair or list. */
    private static void bind(Object item, List<String> vars, JinjavaInterpreter interpreter) {
        if (vars.size() == 1) {
            interpreter.getContext().put(vars.get(0), item);
            return;
        }
        List<?> parts = item instanceof Map.Entry<?, ?> e ? java.util.Arrays.asList(e.getKey(), e.getValue())
                : item instanceof List<?> l ? l : List.of();
        for (int i = 0; i < vars.size(); i++) {
            interpreter.getContext().put(vars.get(i), i < parts.size() ? parts.get(i) : null);
        }
    }

    /**
     * Where a loop filter's {@code " if "} starts in the loop expression, or -1: the first
     * {@code " if "} outside brackets and quotes that no {@code " else "} follows (that would be a
     * conditional expression, {@code a if c else b}).
     */
    static int filterStart(String expression) {
        int depth = 0;
        char quote = 0;
        int found = -1;
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && Character.isWhitespace(c)) {
                if (found < 0 && expression.startsWith("if", i + 1) && i + 3 < expression.length()
                        && Character.isWhitespace(expression.charAt(i + 3))) {
                    found = i;
                } else if (found >= 0 && expression.startsWith("else", i + 1) && i + 5 < expression.length()
                        && Character.isWhitespace(expression.charAt(i + 5))) {
                    return -1;
                }
            }
        }
        return found;
    }
}
