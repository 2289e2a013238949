package dev.cortado.chat;

import dev.cortado.CortadoException;
import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Jinja2 behaviour chat templates lean on, each against what Python's jinja2 (set up as
 * Hugging Face sets it up) prints for the same source.
 */
class JinjaEnvironmentTest {
    static final LocalDateTime NOW = LocalDateTime.of(2024, 7, 26, 9, 30, 5);

    static String render(String source) {
        return render(source, Map.of());
    }

    static String render(String source, Map<String, ?> extra) {
        return ChatTemplate.fromJinja("test.jinja", source, "<s>", "</s>").withNow(NOW)
                .render(List.of(ChatMessage.system("Sys"), ChatMessage.user("Hi")), true, extra);
    }

    @Test
    void strftimeNow() {
        assertEquals("2024-07-26|26 Jul 2024|July 26, 2024|Friday 09:30:05 AM|7/26/24|208",
                render("{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now(\"%d %b %Y\") }}|{{ strftime_now('%B %d, %Y') }}"
                        + "|{{ strftime_now('%A %H:%M:%S %p') }}|{{ strftime_now('%-m/%-d/%y') }}|{{ strftime_now('%j') }}"));
        assertEquals("26 Jul 2024", render("{{ date_string }}"));
    }

    @Test
    void raiseException() {
        CortadoException e = assertThrows(CortadoException.class,
                () -> render("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"));
        assertEquals("chat template test.jinja refused the conversation: System role not supported", e.getMessage());
    }

    @Test
    void engineErrorsAreOneLineWithTheOriginalLine() {
        CortadoException e = assertThrows(CortadoException.class, () -> render("line 1\n\n{%- if true %}\n{% if %}\n{% endif %}"));
        assertTrue(e.getMessage().startsWith("chat template test.jinja: line 4: "), e.getMessage());
        e = assertThrows(CortadoException.class, () -> render("a\nb\n{{ messages"));
        assertEquals("chat template test.jinja: line 3: '{{' is never closed", e.getMessage());
        e = assertThrows(CortadoException.class, () -> render("{% for m in messages %}"));
        assertTrue(e.getMessage().contains("endfor"), e.getMessage());
        e = assertThrows(CortadoException.class, () -> render("{% frobnicate %}"));
        assertTrue(e.getMessage().startsWith("chat template test.jinja: line 1: "), e.getMessage());
        for (String bad : List.of("{{ 1 + }}", "{% set %}", "{# never closed", "{% raw %}x", "{{ ((( }}")) {
            CortadoException x = assertThrows(CortadoException.class, () -> render(bad), bad);
            assertFalse(x.getMessage().contains("\n"), x.getMessage());
        }
        assertThrows(CortadoException.class, () -> ChatTemplate.fromJinja("  \n", "<s>", "</s>"));
    }

    @Test
    void tojsonIsPythonsJsonDumps() {
        String d = "{% set d = {'a': 1, 'b': [true, none, 'é\\n\"'], 'c': 1.5, 'e': {}, 'f': []} %}";
        assertEquals("{\"a\": 1, \"b\": [true, null, \"é\\n\\\"\"], \"c\": 1.5, \"e\": {}, \"f\": []}", render(d + "{{ d | tojson }}"));
        assertEquals("{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n    \"é\\n\\\"\"\n  ],\n  \"c\": 1.5,\n  \"e\": {},\n  \"f\": []\n}",
                render(d + "{{ d | tojson(indent=2) }}"));
        assertEquals("{\"a\":1,\"c\":1.5}", render("{{ {'c': 1.5, 'a': 1} | tojson(separators=(',', ':'), sort_keys=true) }}"));
        assertEquals("[{\"role\": \"system\", \"content\": \"Sys\"}, {\"role\": \"user\", \"content\": \"Hi\"}]",
                render("{{ messages | tojson }}"));
        assertEquals("\"\\u0001\\t\"", render("{{ x | tojson }}", Map.of("x", "\u0001\t")));
        assertEquals("1e-05 1e+16 0.1 -2.0 100.0", String.join(" ", PyJson.floatRepr(1e-5), PyJson.floatRepr(1e16),
                PyJson.floatRepr(0.1), PyJson.floatRepr(-2), PyJson.floatRepr(100)));
    }

    @Test
    void stringMethods() {
        assertEquals("[a b]|a|xa|ax|A B|a b|Hello World|Hello world",
                render("[{{ '  a b \\n'.strip() }}]|{{ 'xxaxx'.strip('x') }}|{{ 'xa  '.rstrip() }}|{{ '\\n ax'.lstrip() }}"
                        + "|{{ 'a b'.upper() }}|{{ 'A B'.lower() }}|{{ 'hello wORLD'.title() }}|{{ 'hello WORLD'.capitalize() }}"));
        assertEquals("a|b||c / a|b / a/b|c / x,y / 2 / 3 / -1",
                render("{{ 'a,b,,c'.split(',') | join('|') }} / {{ ' a  b '.split() | join('|') }}"
                        + " / {{ 'a/b/c'.rsplit('/', 1) | join('|') }} / {{ ','.join(['x', 'y']) }}"
                        + " / {{ 'abcb'.count('b') }} / {{ 'abcb'.find('b', 0) + 2 }} / {{ 'abc'.find('z') }}"));
        assertEquals("yes no yes yes", render("{{ 'yes' if 'abc'.startswith('ab') else 'no' }} {{ 'yes' if 'abc'.endswith('b') else 'no' }}"
                + " {{ 'yes' if 'abc'.startswith(('x', 'a')) else 'no' }} {{ 'yes' if '/think' in 'a /think' else 'no' }}"));
        assertEquals("a-b-c|a-b c", render("{{ 'a b c'.replace(' ', '-') }}|{{ 'a b c'.replace(' ', '-', 1) }}"));
        assertEquals("Hi", render("{{ messages[1]['content'] }}"));
    }

    @Test
    void dictMethodsAndFilters() {
        String d = "{% set d = {'b': 2, 'a': 1} %}";
        assertEquals("b=2;a=1;", render(d + "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"));
        assertEquals("b=2;a=1;", render(d + "{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}"));
        assertEquals("a=1;b=2;", render(d + "{% for k, v in d | dictsort %}{{ k }}={{ v }};{% endfor %}"));
        assertEquals("2|dflt||b,a|2", render(d + "{{ d.get('b') }}|{{ d.get('x', 'dflt') }}|{{ d.get('x') }}|{{ d.keys() | join(',') }}|{{ d | length }}"));
        assertEquals("user", render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='role') | join }}"));
        assertEquals("system", render("{{ (messages | rejectattr('role', 'equalto', 'user') | first).role }}"));
        assertEquals("Hi", render("{{ (messages | last).content }}"));
        assertEquals("2", render("{{ messages | length }}"));
    }

    @Test
    void slices() {
        assertEquals("4,3,2,1|2,3,4|1,2,3|el|1,3|4,2|cba|3,4",
                render("{% set l = [1, 2, 3, 4] %}{% set n = 1 %}{{ l[::-1] | join(',') }}|{{ l[1:] | join(',') }}|{{ l[:-1] | join(',') }}"
                        + "|{{ 'hello'[1:3] }}|{{ l[::2] | join(',') }}|{{ l[::-2] | join(',') }}|{{ 'abc'[::-1] }}|{{ l[n+1:] | join(',') }}"));
        assertEquals("Sys", render("{% for m in messages[::-1] %}{% if loop.last %}{{ m.content }}{% endif %}{% endfor %}"));
    }

    @Test
    void loopsAndNamespaces() {
        assertEquals("1:2/none/4;2:4/2/none;",
                render("{% for x in [1, 2, 3, 4] if x is even %}{{ loop.index }}:{{ x }}/{{ loop.previtem if loop.previtem else 'none' }}"
                        + "/{{ loop.nextitem if loop.nextitem is not none else 'none' }};{% endfor %}"));
        assertEquals("first 0 system|last 1 user", render("{% for m in messages %}{% if loop.first %}first {{ loop.index0 }} {{ m.role }}|"
                + "{% elif loop.last %}last {{ loop.index0 }} {{ m.role }}{% endif %}{% endfor %}"));
        assertEquals("a1b2", render("{% for k, v in {'a': 1, 'b': 2, 'return': 3}.items() if k != 'return' %}{{ k }}{{ v }}{% endfor %}"));
        assertEquals("4 True", render("{% set ns = namespace(a=1, found=false) %}{% for i in [1, 2] %}{% set ns.a = ns.a + i %}"
                + "{% set ns.found = true %}{% endfor %}{{ ns.a }} {{ 'True' if ns.found }}"));
        assertEquals("3", render("{% set ns = namespace(last=messages|length - 1 + 2) %}{{ ns.last }}"));
        assertEquals("12", render("{% for i in range(5) %}{% if i == 0 %}{% continue %}{% endif %}{{ i }}{% if i == 2 %}{% break %}{% endif %}{% endfor %}"));
    }

    @Test
    void testsAndPrecedence() {
        assertEquals("str map none undef seq", render("{{ 'str' if 'a' is string }} {{ 'map' if messages[0] is mapping }}"
                + " {{ 'none' if tools is none }} {{ 'undef' if not foo is defined }} {{ 'seq' if messages is sequence }}"));
        assertEquals("ok", render("{% if not messages[0].role == 'user' %}ok{% endif %}"));
        assertEquals("ok", render("{% set ns = namespace(x=none) %}{% if ns.x is none and 1 <= 2 %}ok{% endif %}"));
        assertEquals("ok", render("{% if messages[0].content is string and messages[0].content | length > 0 %}ok{% endif %}"));
        assertEquals("ok", render("{% if 'x' not in messages[0].content %}ok{% endif %}"));
        assertEquals("3", render("{{ 1+2 }}"));
    }

    @Test
    void valuesPrintAsPythonPrintsThem() {
        assertEquals("['a', 1, True, None, 1.5]|{'a': [True]}|1.0|2.5|2|True|False|{'role': 'system', 'content': 'Sys'}|6.0|[\"it's\"]|",
                render("{{ ['a', 1, true, none, 1.5] }}|{{ {'a': [true]} }}|{{ 1.0 }}|{{ 10 / 4 }}|{{ 10 // 4 }}|{{ true | string }}"
                        + "|{{ false }}|{{ messages[0] }}|{{ 3.0 * 2 }}|{{ [\"it's\"] }}|{{ undefined_thing }}"));
    }

    @Test
    void pythonStringEscapes() {
        assertEquals("éA😀|'|'\\|a\"b|a\tb", render("{{ \"\\u00e9\\x41\\U0001F600\" }}|{{ \"\\x27\" }}|{{ '\\x27\\x5c' }}|{{ \"a\\\"b\" }}|{{ 'a\\tb' }}"));
    }

    @Test
    void multiplicationRepeatsStringsAndLists() {
        assertEquals("ababab|6|3.0|xxx|3|8|6|4|24|7|        x",
                render("{{ 'ab' * 3 }}|{{ 2 * 3 }}|{{ 2 * 1.5 }}|{{ 3 * 'x' }}|{{ ([1] * 3) | length }}|{{ 2 ** 3 }}"
                        + "|{{ (1 + 2) * 2 }}|{{ messages | length * 2 }}|{{ 2 * 3 * 4 }}|{{ 1 + 2 * 3 }}"
                        + "|{% set depth = 2 %}{{ '    ' * depth }}x"));
    }

    @Test
    void whitespaceFollowsJinja2WithTrimAndLstripBlocks() {
        // lstrip_blocks drops the indent before a block tag; trim_blocks the newline after it
        assertEquals("  x\n", render("  {% if true %}\n  x\n  {% endif %}\n"));
        assertEquals("ab", render("a  \n  {%- if true -%}  \n  b  {%- endif %}"));
        // expressions keep their surroundings unless they say '-'
        assertEquals(" Hi Hi", render(" {{ messages[1].content }} \n{{- ' ' -}}\n {{ messages[1].content }}\n"));
        // '+' keeps what lstrip_blocks and trim_blocks would remove
        assertEquals("  \nx", render("  {%+ if true +%}\nx{% endif %}"));
        // comments vanish, trimmed like blocks
        assertEquals("a\nb", render("a\n  {# note #}\nb"));
        // only one trailing newline goes
        assertEquals("x\n", render("x\n\n"));
        assertEquals("{x}", render("{\n{%- if true %}x{% endif -%}\n}"));
        assertEquals("{% raw %}", render("{% raw %}{% raw %}{% endraw %}"));
    }

    @Test
    void generationAndFilterBlocks() {
        assertEquals("Hi", render("{% generation %}{{ messages[1].content }}{% endgeneration %}"));
        assertEquals("HELLO", render("{% filter upper %}hello{% endfilter %}"));
        assertEquals("a b", render("{%- filter trim -%}\n  a b  \n{%- endfilter %}"));
    }

    @Test
    void contentAsPartsDoesNotBreakRendering() {
        Map<String, Object> parts = Map.of("messages", List.of(
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Hello")))));
        assertEquals("Hello", render("{% for m in messages %}{% for p in m.content %}{{ p.text }}{% endfor %}{% endfor %}", parts));
    }

    @Test
    void hostileTemplatesEndPromptly() {
        assertEquals("done", render("{% for i in range(1000000000) %}{% endfor %}done"));
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            try {
                render("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}");
            } catch (CortadoException expected) {
                // refusing is fine too
            }
            CortadoException e = assertThrows(CortadoException.class, () -> render(
                    "{% set s = 'xxxxxxxxxx' %}{% for i in range(1000) %}{% for j in range(1000) %}{{ s * 100 }}{% endfor %}{% endfor %}"));
            assertTrue(e.getMessage().contains("over limit"), e.getMessage());
            assertThrows(CortadoException.class, () -> render("{{ 'x' * 100000000000 }}"));
        });
    }
}
