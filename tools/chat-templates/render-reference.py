#!/usr/bin/env python3
"""Reference renders of ../shared/chat-templates/*.jinja with Python's jinja2, set up the way
Hugging Face transformers sets it up (trim_blocks, lstrip_blocks, loopcontrols, raise_exception,
strftime_now, tojson without ASCII escaping), for ChatTemplateSharedTest to compare against.

Not part of the build: needs Debian's python3-jinja2 (`apt-get install python3-jinja2`).
Usage: tools/chat-templates/render-reference.py [TEMPLATE_DIR] [OUT_JSON]
Writes testdata/chat/references.json: per template, the bos/eos it was given and the render of the
fixed conversation with a system message and without one (or the raise_exception message).
The conversation, tokens and date must stay in step with ChatTemplateSharedTest.
"""
import datetime, json, os, sys
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols
from jinja2 import nodes
from jinja2.ext import Extension

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
tdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "chat-templates")
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "testdata", "chat", "references.json")

FIXED_NOW = datetime.datetime(2024, 7, 26, 9, 30, 0)

class TemplateRaised(Exception):
    pass

def raise_exception(message):
    raise TemplateRaised(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

def strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)

class GenerationTracker(Extension):
    """{% generation %}...{% endgeneration %} renders its body (transformers marks assistant spans)."""
    tags = {"generation"}
    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)
    def _render(self, caller):
        return caller()

def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                       extensions=[GenerationTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
CONVERSATION = [
    {"role": "user", "content": "Hello!"},
    {"role": "assistant", "content": "Hi there! How can I help?"},
    {"role": "user", "content": "What is 2+2?"},
]

def tokens(name):
    n = name.lower()
    if "llama-3" in n or "llama3" in n or "hermes" in n or "firefunction" in n or "functionary" in n \
            or "distill-llama" in n:
        return "<|begin_of_text|>", "<|eot_id|>"
    if "gemma" in n:
        return "<bos>", "<eos>"
    if "qwen" in n or "qwq" in n or "smollm" in n:
        return "", "<|im_end|>"
    if "phi-3" in n:
        return "<s>", "<|endoftext|>"
    return "<s>", "</s>"

# Tool-use-only templates iterate `tools` (or add `functions` to a string) unconditionally: they
# are rendered with these extra variables, recorded as "extra" so the Java test passes the same.
TOOL_EXTRAS = {"tools": [], "functions": "[]", "datetime": "2024-07-26"}

def render(env, source, bos, eos, messages, extra):
    try:
        variables = dict(messages=messages, add_generation_prompt=True, bos_token=bos,
            eos_token=eos, tools=None, date_string="26 Jul 2024", enable_thinking=False)
        variables.update(extra)
        text = env.from_string(source).render(**variables)
        return {"text": text}
    except TemplateRaised as e:
        return {"raised": str(e)}
    except Exception as e:
        return {"error": type(e).__name__ + ": " + str(e)}

def main():
    env = environment()
    result = {}
    for f in sorted(os.listdir(tdir)):
        if not f.endswith(".jinja"):
            continue
        source = open(os.path.join(tdir, f), encoding="utf-8").read()
        bos, eos = tokens(f)
        extra = {}
        if "error" in render(env, source, bos, eos, CONVERSATION, extra):
            extra = TOOL_EXTRAS
        result[f] = {"bos": bos, "eos": eos, "extra": extra,
                     "withSystem": render(env, source, bos, eos, [SYSTEM] + CONVERSATION, extra),
                     "withoutSystem": render(env, source, bos, eos, CONVERSATION, extra)}
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as w:
        json.dump(result, w, ensure_ascii=False, indent=1, sort_keys=True)
        w.write("\n")
    bad = [k for k, v in result.items() if "error" in v["withSystem"] or "error" in v["withoutSystem"]]
    print(f"{len(result)} templates, {len(bad)} with errors: {bad}")

main()
