#!/usr/bin/env python3
"""Builds the taxonomy files of data/taxonomy from WordNet 3.0 (Debian package wordnet-base).

Usage: python3 tools/wordnet_taxonomy.py [/usr/share/wordnet] [data/taxonomy]

- wordnet-nouns.jsonl: one single-word noun per synset (its first lemma that is a plain lower-case
  word), with its depth below 'entity' along the first hypernym chain: {"text", "label", "synset"}.
  At most 250 nouns per depth, chosen by a stable hash so the sample is reproducible.
- wordnet-pairs.tsv: general<TAB>specific for direct hypernym -> hyponym links between such nouns,
  3,000 pairs chosen by the same stable hash.
"""
import hashlib
import json
import os
import re
import sys

source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
target = sys.argv[2] if len(sys.argv) > 2 else "data/taxonomy"
word = re.compile(r"^[a-z]{3,}$")

lemma, hypernyms = {}, {}
with open(os.path.join(source, "data.noun"), encoding="latin-1") as f:
    for line in f:
        if line.startswith(" "):
            continue  # licence header
        fields = line.split(" | ")[0].split()
        offset, count = fields[0], int(fields[3], 16)
        words = [fields[4 + 2 * i] for i in range(count)]
        plain = [w for w in words if word.match(w)]
        if plain:
            lemma[offset] = plain[0]
        at = 4 + 2 * count
        pointers = int(fields[at])
        hypernyms[offset] = [fields[at + 1 + 4 * i + 1] for i in range(pointers) if fields[at + 1 + 4 * i] in ("@", "@i")]


def depth(offset, seen=()):
    parents = hypernyms.get(offset, [])
    if not parents or offset in seen:
        return 0
    return 1 + depth(parents[0], seen + (offset,))


def stable(key):
    return hashlib.sha256(key.encode()).hexdigest()


nouns = sorted(((depth(o), w, o) for o, w in lemma.items()), key=lambda t: (t[0], stable(t[1] + t[2])))
per_depth = {}
os.makedirs(target, exist_ok=True)
with open(os.path.join(target, "wordnet-nouns.jsonl"), "w") as out:
    for d, w, o in nouns:
        if d < 2 or per_depth.get(d, 0) >= 250:
            continue
        per_depth[d] = per_depth.get(d, 0) + 1
        out.write(json.dumps({"text": w, "label": d, "synset": o}) + "\n")

pairs = sorted({(lemma[p], lemma[o]) for o in lemma for p in hypernyms.get(o, []) if p in lemma and lemma[p] != lemma[o]},
               key=lambda t: stable(t[0] + "\t" + t[1]))[:3000]
with open(os.path.join(target, "wordnet-pairs.tsv"), "w") as out:
    for general, specific in pairs:
        out.write(f"{general}\t{specific}\n")
print(f"{sum(per_depth.values())} nouns over depths {min(per_depth)}-{max(per_depth)}, {len(pairs)} pairs -> {target}")
