#!/usr/bin/env python3
"""distractors.py BASE.jsonl MIXED.jsonl

Explains the difference a distractor corpus makes to RealTime QA's answer
recall@10, from two `newsbot eval --outcomes` files of the same questions:
BASE without distractors, MIXED with a generated corpus mixed in (`--corpus`,
whose articles are on https://gen.invalid/ URLs).

A question is lost when its answer is in BASE's top 10 and not in MIXED's,
gained the other way round. A lost question is explained by slots taken when
the answer's rank in BASE plus the number of distractors in MIXED's top 10 is
above 10: the distractors pushed it out. Any other lost question moved because
the real articles were reordered (the distractors change every term's document
frequency, so BM25 weighs the question's words differently). A gained question
is told apart by whether the passage holding the answer is a distractor
(generated articles reuse the real articles' sentences, answers included).

Answers are matched as eval matches them (retrieval/eval.AnswerIn: the hit's
title and text, lower-cased, accents and punctuation dropped, whole words).
"""
import json
import sys
import unicodedata

GEN = "https://gen.invalid/"
K = 10


def normalize(s):
    out, space = [" "], True
    for r in unicodedata.normalize("NFKD", s):
        if unicodedata.category(r) == "Mn":
            continue
        if r.isalpha() or r.isdigit():
            out.append(r.lower())
            space = False
        elif not space:
            out.append(" ")
            space = True
    if not space:
        out.append(" ")
    return "".join(out)


def answer_rank(o):
    """1-based rank of the first hit holding an answer, or None."""
    answers = [normalize(a) for a in o["answers"] if normalize(a).strip()]
    for i, h in enumerate(o["hits"][:K]):
        text = normalize(h.get("title", "")) + normalize(h["text"])
        if any(a in text for a in answers):
            return i + 1
    return None


def load(path):
    with open(path) as f:
        return {o["id"]: o for o in map(json.loads, f)}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    base, mixed = load(sys.argv[1]), load(sys.argv[2])
    ids = [q for q in base if q in mixed and base[q]["answers"]]
    lost, gained = [], []
    for q in ids:
        rb, rm = answer_rank(base[q]), answer_rank(mixed[q])
        if rb and not rm:
            lost.append((q, rb))
        elif rm and not rb:
            gained.append((q, rm))
    slots = []
    print(f"{len(ids)} questions with an answer; answer in the top {K}: "
          f"{sum(1 for q in ids if answer_rank(base[q]))} without distractors, "
          f"{sum(1 for q in ids if answer_rank(mixed[q]))} with them")
    print(f"lost: {len(lost)}")
    for q, rb in lost:
        d = sum(1 for h in mixed[q]["hits"][:K] if h["url"].startswith(GEN))
        why = "slots taken" if rb + d > K else "real articles reordered"
        if rb + d > K:
            slots.append(q)
        print(f"  {q}\trank {rb} without, {d} distractors in the top {K}: {why}\t{base[q]['question'][:70]}")
    print(f"  explained by slots taken: {len(slots)} of {len(lost)}")
    from_gen = sum(1 for q, r in gained if mixed[q]["hits"][r - 1]["url"].startswith(GEN))
    print(f"gained: {len(gained)}, {from_gen} of them through a distractor holding the answer")


if __name__ == "__main__":
    main()
