#!/usr/bin/env python3
"""Writes the synthetic fine-tuning task for TinyStories-656K: testdata/finetune-task/{train,eval}.jsonl.

Each example is {"prompt", "completion"}: a one- or two-sentence story naming exactly one object,
then a question about it; the completion is that object's word. The object is drawn at random for
every example, independently of the name, adjectives, place and sentence shape, so the answer can
only be read from the prompt, never memorised. Words are common in TinyStories and single tokens in
its 2048-token vocabulary (both the mid-sentence "ball▁" and the final "ball" forms).

The prompt ends with "Answer: " (trailing space) and the completion has no leading space: this
vocabulary attaches the space to the end of a word (":▁" is one token), so the prompt's tokens are
then an exact prefix of the prompt + completion tokens, and a model decoding from the prompt sees
what it was trained on. Usage: python3 make-task.py [OUT_DIR] (default: testdata/finetune-task
beside this tool's repository root). Deterministic: same seed, same files.
"""
import json
import os
import random
import sys

SEED = 8
TRAIN, EVAL = 800, 100

NAMES = ["Lily", "Tom", "Tim", "Sue", "Max", "Ben", "Anna", "Mia", "Sam", "Sara"]
OBJECTS = ["ball", "cat", "dog", "bird", "car", "box", "hat", "toy", "book", "boat", "bear", "fish"]
ADJECTIVES = ["big", "small", "little", "red", "blue", "green", "new", "pretty", "soft", "funny"]
PLACES = ["park", "garden", "house", "room", "yard"]

# (story sentence, question): {n} name, {a} adjective, {o} object, {p} place
SHAPES = [
    ("{n} has a {a} {o}.", "What does {n} have?"),
    ("{n} found a {a} {o} in the {p}.", "What did {n} find?"),
    ("One day, {n} saw a {a} {o}.", "What did {n} see?"),
    ("Mom gave {n} a {a} {o}.", "What did Mom give {n}?"),
    ("{n} played with a {a} {o} in the {p}.", "What did {n} play with?"),
    ("{n} wanted a {a} {o}.", "What did {n} want?"),
]
BEFORE = ["", "", "It was a sunny day. ", "{n} was very happy. ", "Once upon a time, there was a girl. ",
          "The sun was bright. "]
AFTER = ["", "", " {n} smiled.", " It was fun.", " {n} was happy."]


def example(rng):
    n, o = rng.choice(NAMES), rng.choice(OBJECTS)
    a, p = rng.choice(ADJECTIVES), rng.choice(PLACES)
    story, question = rng.choice(SHAPES)
    text = rng.choice(BEFORE) + story + rng.choice(AFTER) + " " + question + " Answer: "
    return {"prompt": text.format(n=n, a=a, o=o, p=p), "completion": o}


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "testdata", "finetune-task")
    os.makedirs(out, exist_ok=True)
    rng = random.Random(SEED)
    seen, rows = set(), []
    while len(rows) < TRAIN + EVAL:
        r = example(rng)
        if r["prompt"] in seen:  # eval prompts never appear in train
            continue
        seen.add(r["prompt"])
        rows.append(r)
    write(os.path.join(out, "train.jsonl"), rows[:TRAIN])
    write(os.path.join(out, "eval.jsonl"), rows[TRAIN:])


if __name__ == "__main__":
    main()
