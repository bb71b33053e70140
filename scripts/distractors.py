#!/usr/bin/env python3
"""distractors.py BASE.jsonl MIXED.jsonl

Accounts for the difference a distractor corpus makes to RealTime QA's answer
recall@10, from two `newsbot eval --outcomes` files of the same questions:
BASE without distractors, MIXED with a generated corpus mixed in (`--corpus`,
whose articles are on https://gen.invalid/ URLs).

A question is lost when its answer is in BASE's top 10 and not in MIXED's,
gained the other way round. A lost question counts as slots taken when the
answer's rank in BASE plus the number of distractors in MIXED's top 10 is
above 10: those distractors are enough to push it out. In any other lost
question the real articles were also reordered (the distractors change every
term's document frequency, so BM25 weighs the question's words differently). A gained question
is told apart by whether the passage holding the answer is a distractor
(generated articles reuse the real articles' sentences, answers included).

Answers are matched as eval matches them (retrieval/eval.AnswerIn: the hit's
title and text, lower-cased, accents and punctuation dropped, whole words).
Questions in only one of the files are left out, and counted.
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
    answers = [normalize(a) for a in answers_of(o) if normalize(a).strip()]
    for i, h in enumerate(o.get("hits") or []):
        if i == K:
            break
        # As eval's Hit.text: the title and the passage, normalised together.
        text = normalize(h.get("title", "") + "\n" + h.get("text", ""))
        if any(a in text for a in answers):
            return i + 1
    return None


def answers_of(o):
    # eval writes no "answers" for a question without one.
    return o.get("answers") or []


def load(path):
    with open(path) as f:
        return {o["id"]: o for o in (json.loads(line) for line in f if line.strip())}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    base, mixed = load(sys.argv[1]), load(sys.argv[2])
    ids = [q for q in base if q in mixed and answers_of(base[q])]
    only = len(base.keys() ^ mixed.keys())
    if only:
        print(f"{only} questions are in one file only and left out: the totals are not eval's")
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
    print(f"  slots taken: {len(slots)} of {len(lost)}")
    from_gen = sum(1 for q, r in gained if mixed[q]["hits"][r - 1]["url"].startswith(GEN))
    print(f"gained: {len(gained)}, {from_gen} of them through a distractor holding the answer")


if __name__ == "__main__":
    main()
