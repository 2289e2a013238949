package dev.cortado.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/**
 * Jinja2's {@code {% filter name %}…{% endfilter %}} (Jinjava has no such tag): renders the body
 * and passes it through the named filters ({@code {% filter trim | upper %}}), without arguments.
 */
final class FilterBlockTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
        return "filter";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        StringBuilder body = new StringBuilder();
        for (Node child : tagNode.getChildren()) body.append(child.render(interpreter));
        Object value = body.toString();
        for (String name : tagNode.getHelpers().split("\\|")) {
            String n = name.strip();
            if (n.isEmpty()) continue;
            Filter f = interpreter.getContext().getFilter(n);
            if (f == null) throw new IllegalArgumentException("unknown filter '" + n + "' in a filter block");
            value = f.filter(value, interpreter);
        }
        return String.valueOf(value);
    }
}
