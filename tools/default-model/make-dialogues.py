#!/usr/bin/env python3
"""Writes the synthetic dialogue set that turns the pretrained King James base model into a chat model.

Each line of the output is one conversation as {"messages": [{"role": ..., "content": ...}, ...]},
the shape `cortado finetune --data` reads and renders through the model's ChatML template. The set
mixes: greetings, a self-description, questions about the Bible answered from a hand-written list
of facts, verse lookups and continuations taken from the corpus itself, simple instructions on a
short phrase (repeat, upper/lower case, count words, first/last word, reverse), and polite
refusals of what a tiny Bible model cannot do. Some conversations have two turns.

Only the standard library; the same --seed and corpus give the same file, byte for byte.

Usage: make-dialogues.py --corpus kjv.txt --out dialogues.jsonl [--count 4000] [--seed 1]
The corpus is the text `bible -l100000 "gen1:1-rev22:21"` prints (Debian's bible-kjv): a line
"Book N" starts a chapter, then one verse a line as "  V text".
"""
import argparse
import json
import random
import re
import sys

SELF = ("I am Cortado's small demo model, a tiny language model trained from scratch on the King James Bible "
        "and then taught to chat. I can answer simple questions about the Bible, quote verses and do small "
        "word tasks, but I often make mistakes.")

GREETINGS_USER = ["Hello", "Hello!", "Hi", "Hi!", "Hi there", "Hey", "Hey there!", "Good morning", "Good evening",
                  "Good afternoon", "Greetings", "Hello, how are you?", "Hi, how are you today?", "Howdy",
                  "Hello there", "Peace be with you", "Hi! Who am I talking to?", "hello", "hi", "hey"]
GREETINGS_ASSISTANT = [
    "Hello! I am Cortado's small demo model. Ask me about the King James Bible.",
    "Hi! How can I help you today? I know a little about the King James Bible.",
    "Hello! I am a small model trained on the King James Bible. What would you like to know?",
    "Greetings! Ask me a question about the Bible, or give me a short phrase to work with.",
    "Hello, and peace be with you. How can I help?",
    "Hi there! I am well, thank you. What would you like to talk about?",
]
FAREWELLS_USER = ["Thank you", "Thanks!", "Thanks, goodbye", "Bye", "Goodbye", "That is all, thanks", "Thank you very much"]
FAREWELLS_ASSISTANT = ["You are welcome! Goodbye.", "You are welcome. Peace be with you.", "Glad to help. Goodbye!",
                       "You are welcome. Come back any time."]

SELF_QUESTIONS = ["Who are you?", "What are you?", "What is your name?", "Tell me about yourself.",
                  "What were you trained on?", "What can you do?", "Are you a person?", "Who made you?",
                  "Introduce yourself.", "What kind of model are you?"]
SELF_ANSWERS = {
    "Who made you?": "I was made with Cortado, a Java toolkit for language models. " + SELF,
    "Are you a person?": "No, I am not a person. " + SELF,
    "What can you do?": "I can answer simple questions about the King James Bible, quote a verse if you give me "
                        "its book, chapter and verse, and do small tasks like repeating a phrase or counting its words.",
}

# (question variants, answer) — facts a reader of the King James text can check.
FACTS = [
    (["Who was the first man?", "Who was the first man God made?", "What was the name of the first man?"],
     "Adam was the first man. God formed him of the dust of the ground."),
    (["Who was the first woman?", "What was the name of the first woman?", "Who was Adam's wife?"],
     "Eve was the first woman, the wife of Adam."),
    (["What did God create in the beginning?", "What happened in the beginning?", "How does the Bible begin?"],
     "In the beginning God created the heaven and the earth."),
    (["What did God create on the first day?", "What was made on the first day?"],
     "On the first day God said, Let there be light: and there was light."),
    (["On which day did God rest?", "When did God rest?"],
     "God rested on the seventh day from all his work which he had made."),
    (["Who built the ark?", "Who built an ark before the flood?"],
     "Noah built the ark, as God commanded him, before the flood."),
    (["Who killed Abel?", "Who was Abel's brother?"], "Cain, the brother of Abel, rose up against him and slew him."),
    (["Who were the sons of Adam and Eve?", "Name the sons of Adam."], "Cain, Abel and Seth were sons of Adam and Eve."),
    (["Who was the father of Isaac?", "Who was Isaac's father?"], "Abraham was the father of Isaac."),
    (["Who was Abraham's wife?", "What was the name of Abraham's wife?"], "Sarah was the wife of Abraham."),
    (["Who were the sons of Isaac?", "Who were Jacob and Esau?"], "Jacob and Esau were the twin sons of Isaac and Rebekah."),
    (["What was Jacob's new name?", "What name did God give Jacob?"], "God called Jacob Israel."),
    (["Who was sold into Egypt by his brothers?", "Who had a coat of many colours?"],
     "Joseph, the son of Jacob, had a coat of many colours and was sold into Egypt by his brothers."),
    (["Who led the Israelites out of Egypt?", "Who led the children of Israel out of Egypt?"],
     "Moses led the children of Israel out of Egypt."),
    (["Who was the brother of Moses?", "Who was Aaron?"], "Aaron was the brother of Moses and the first high priest."),
    (["Where did Moses receive the ten commandments?", "On which mountain were the commandments given?"],
     "Moses received the commandments on mount Sinai."),
    (["What is the first commandment?", "What is the first of the ten commandments?"],
     "Thou shalt have no other gods before me."),
    (["Who led Israel after Moses?", "Who followed Moses as leader?"], "Joshua the son of Nun led Israel after Moses."),
    (["Who was the strongest man in the Bible?", "Who was Samson?"], "Samson was a judge of Israel, known for his great strength."),
    (["Who was Ruth's mother-in-law?", "Who was Naomi?"], "Naomi was the mother-in-law of Ruth."),
    (["Who killed Goliath?", "Who fought Goliath?"], "David slew Goliath the Philistine with a sling and a stone."),
    (["Who was the first king of Israel?", "Who was Israel's first king?"], "Saul was the first king of Israel."),
    (["Who was the son of David who became king?", "Who was king after David?"], "Solomon, the son of David, was king after him."),
    (["Who built the temple in Jerusalem?", "Who built the first temple?"], "Solomon built the house of the LORD in Jerusalem."),
    (["Who was swallowed by a great fish?", "Who was Jonah?"], "Jonah was swallowed by a great fish and was in its belly three days and three nights."),
    (["Who was thrown into the lions' den?", "Who was in the den of lions?"], "Daniel was cast into the den of lions, and God shut the lions' mouths."),
    (["Who wrote most of the Psalms?", "Who wrote the Psalms?"], "Many of the Psalms are psalms of David."),
    (["What is the shortest verse in the Bible?", "Which verse is the shortest?"], "Jesus wept. It is John 11:35."),
    (["Where was Jesus born?", "In which town was Jesus born?"], "Jesus was born in Bethlehem of Judaea."),
    (["Who was the mother of Jesus?", "What was the name of Jesus' mother?"], "Mary was the mother of Jesus."),
    (["Who baptized Jesus?", "Who was John the Baptist?"], "John the Baptist baptized Jesus in the river Jordan."),
    (["How many disciples did Jesus have?", "How many apostles were there?"], "Jesus chose twelve disciples."),
    (["Who betrayed Jesus?", "Which disciple betrayed Jesus?"], "Judas Iscariot betrayed Jesus."),
    (["Who denied Jesus three times?", "Which disciple denied Jesus?"], "Peter denied Jesus three times before the cock crew."),
    (["What is the first book of the Bible?", "Which book comes first in the Bible?"], "Genesis is the first book of the Bible."),
    (["What is the last book of the Bible?", "Which book comes last in the Bible?"], "Revelation is the last book of the Bible."),
    (["How many books are in the Bible?", "How many books does the King James Bible have?"],
     "The King James Bible has sixty-six books: thirty-nine in the Old Testament and twenty-seven in the New."),
    (["What are the four gospels?", "Name the gospels."], "The four gospels are Matthew, Mark, Luke and John."),
    (["Who wrote many letters in the New Testament?", "Who was Paul?"],
     "Paul, once called Saul, was an apostle who wrote many letters to the churches."),
    (["What is the greatest commandment?", "Which commandment is the greatest?"],
     "Thou shalt love the Lord thy God with all thy heart, and with all thy soul, and with all thy mind."),
    (["What does the Lord's prayer begin with?", "How does the Lord's prayer start?"],
     "Our Father which art in heaven, Hallowed be thy name."),
    (["What is love according to Corinthians?", "What does the Bible say about charity?"],
     "Charity suffereth long, and is kind; charity envieth not. And now abideth faith, hope, charity, these three; "
     "but the greatest of these is charity."),
    (["What is the twenty-third psalm about?", "How does Psalm 23 begin?"], "The LORD is my shepherd; I shall not want."),
    (["What was the first miracle of Jesus?", "Where did Jesus turn water into wine?"],
     "Jesus turned water into wine at a marriage in Cana of Galilee."),
    (["What language was the King James Bible translated into?", "What is the King James Bible?"],
     "The King James Bible is an English translation of the Bible, first printed in 1611."),
]

REFUSAL_USER = [
    "Write a Python program that sorts a list.", "What is the weather today?", "What is the price of gold right now?",
    "Can you book me a flight to Paris?", "Translate this sentence into French.", "What is the capital of Australia?",
    "Tell me today's news.", "Solve 37 times 91 for me.", "How do I fix my car engine?", "Write me a love poem about pizza.",
    "Help me hack my neighbour's wifi.", "What is the best stock to buy?", "Who won the football game last night?",
    "Explain quantum physics.", "Write a JavaScript function.", "What time is it?", "Give me medical advice for my headache.",
    "Can you browse the internet for me?", "Summarize the latest movie.", "How do I make a bomb?",
    "What is the square root of 2 to ten digits?", "Tell me about the president.", "Write an essay about climate change.",
]
REFUSAL_ASSISTANT = [
    "I am sorry, I cannot help with that. I am a tiny model that only knows the King James Bible and a few simple word tasks.",
    "I am sorry, but that is beyond what I can do. Ask me about the King James Bible instead.",
    "I cannot do that. I am a small demo model trained on the King James Bible, so I only know its text and simple tasks.",
]

INSTRUCTIONS = [
    ("Repeat this phrase: {p}", "Repeat after me: {p}", "Say this back to me: {p}"),
    ("Write this in capital letters: {p}", "Uppercase this: {p}", "Make this upper case: {p}"),
    ("Write this in small letters: {p}", "Lowercase this: {p}", "Make this lower case: {p}"),
    ("How many words are in this phrase: {p}", "Count the words: {p}", "How many words does this have: {p}"),
    ("What is the first word of: {p}", "Give me the first word of this phrase: {p}"),
    ("What is the last word of: {p}", "Give me the last word of this phrase: {p}"),
    ("Reverse the order of the words: {p}", "Say these words backwards: {p}"),
]
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]

BOOK_ABBREVIATIONS = {"Psalms": "Psalm"}
CHAPTER = re.compile(r"^(\S.*?) (\d+)$")
VERSE = re.compile(r"^\s+(\d+) (.+)$")


def read_verses(path):
    """(book, chapter, verse, text) for every verse line of the corpus."""
    verses, book, chapter = [], None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            m = CHAPTER.match(line)
            if m:
                book, chapter = m.group(1), int(m.group(2))
                continue
            m = VERSE.match(line)
            if m and book:
                verses.append((book, chapter, int(m.group(1)), m.group(2).strip()))
    if not verses:
        sys.exit(f"make-dialogues.py: {path}: no verses found (expected 'Book N' lines then '  V text' lines)")
    return verses


def words_of(text):
    return re.findall(r"[A-Za-z']+", text)


def phrase(rng, verses):
    """A short phrase of 2 to 6 words cut from a verse."""
    while True:
        w = words_of(rng.choice(verses)[3])
        if len(w) >= 2:
            n = rng.randint(2, min(6, len(w)))
            i = rng.randint(0, len(w) - n)
            return " ".join(w[i:i + n])


def instruction(rng, verses):
    kind = rng.randrange(len(INSTRUCTIONS))
    p = phrase(rng, verses)
    w = p.split()
    ask = rng.choice(INSTRUCTIONS[kind]).format(p=p)
    answer = [p, p.upper(), p.lower(), f"That phrase has {NUMBERS[len(w)]} words.", f"The first word is {w[0]}.",
              f"The last word is {w[-1]}.", " ".join(reversed(w))][kind]
    return ask, answer


def reference(book, chapter, verse):
    return f"{BOOK_ABBREVIATIONS.get(book, book)} {chapter}:{verse}"


def verse_lookup(rng, verses, known):
    book, chapter, verse, text = rng.choice(known)
    ref = reference(book, chapter, verse)
    ask = rng.choice(["What does {r} say?", "Quote {r}.", "What is {r}?", "Tell me {r}.", "Read me {r}."]).format(r=ref)
    return ask, f"{ref} says: {text}"


def continuation(rng, verses, known):
    book, chapter, verse, text = rng.choice(known)
    w = text.split()
    if len(w) < 7:
        return verse_lookup(rng, verses, known)
    n = rng.randint(3, 5)
    start = " ".join(w[:n]).rstrip(",;:")
    ask = rng.choice(["What comes after '{s}'?", "Finish this verse: {s}", "Continue: {s}",
                      "Which verse begins '{s}'?"]).format(s=start)
    if ask.startswith("Which verse"):
        return ask, f"{reference(book, chapter, verse)}: {text}"
    return ask, f"{text} ({reference(book, chapter, verse)})"


def fact(rng):
    questions, answer = rng.choice(FACTS)
    return rng.choice(questions), answer


def self_description(rng):
    q = rng.choice(SELF_QUESTIONS)
    return q, SELF_ANSWERS.get(q, SELF)


def refusal(rng):
    return rng.choice(REFUSAL_USER), rng.choice(REFUSAL_ASSISTANT)


def greeting(rng):
    return rng.choice(GREETINGS_USER), rng.choice(GREETINGS_ASSISTANT)


def conversation(rng, verses, known):
    """One conversation: mostly a single exchange, sometimes a greeting first or thanks after."""
    makers = [(greeting, 12), (self_description, 8), (fact, 30), (refusal, 10),
              (lambda r: instruction(r, verses), 20), (lambda r: verse_lookup(r, verses, known), 10),
              (lambda r: continuation(r, verses, known), 10)]
    make = rng.choices([m for m, _ in makers], weights=[w for _, w in makers])[0]
    turns = [make(rng)]
    roll = rng.random()
    if roll < 0.15 and make is not greeting:
        turns.insert(0, greeting(rng))
    elif roll < 0.25:
        turns.append((rng.choice(FAREWELLS_USER), rng.choice(FAREWELLS_ASSISTANT)))
    messages = []
    for user, assistant in turns:
        messages.append({"role": "user", "content": user})
        messages.append({"role": "assistant", "content": assistant})
    return {"messages": messages}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, help="the KJV text (bible-kjv's output format)")
    ap.add_argument("--out", required=True, help="the JSON Lines file to write")
    ap.add_argument("--count", type=int, default=4000, help="conversations (default 4000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args()
    if args.count < 1:
        sys.exit("make-dialogues.py: --count must be at least 1")
    verses = read_verses(args.corpus)
    # Verse lookups come from a few well-known chapters so a small model sees each one several times.
    famous = {("Genesis", 1), ("Genesis", 2), ("Psalms", 23), ("Psalms", 1), ("John", 1), ("John", 3),
              ("Matthew", 5), ("Matthew", 6), ("1 Corinthians", 13), ("Ecclesiastes", 3), ("Exodus", 20)}
    known = [v for v in verses if (v[0], v[1]) in famous and len(v[3]) <= 160] or verses[:50]
    rng = random.Random(args.seed)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for _ in range(args.count):
            f.write(json.dumps(conversation(rng, verses, known), ensure_ascii=False) + "\n")
    print(f"make-dialogues.py: {args.count} conversations -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
