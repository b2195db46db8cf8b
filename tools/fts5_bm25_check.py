"""Independent BM25 check of `normretrieval eval --stages bm25`: SQLite FTS5 (Python's sqlite3) on a BEIR
folder, the query's words OR-ed, nDCG@10 with linear gains, once with the store's tokenizer (porter stemming)
and once without stemming (closer to the BEIR paper's Elasticsearch runs).

Usage: python3 tools/fts5_bm25_check.py BEIR_FOLDER        (e.g. ../shared/data/beir/scifact)
"""
import json
import math
import re
import sqlite3
import sys

base = sys.argv[1]
docs = [json.loads(line) for line in open(base + "/corpus.jsonl", encoding="utf-8")]
queries = {q["_id"]: q["text"] for q in (json.loads(line) for line in open(base + "/queries.jsonl", encoding="utf-8"))}
qrels = {}
for i, line in enumerate(open(base + "/qrels/test.tsv", encoding="utf-8")):
    if i == 0:
        continue
    q, d, g = line.strip().split("\t")
    qrels.setdefault(q, {})[d] = int(g)

for tokenizer in ["porter unicode61 remove_diacritics 2", "unicode61 remove_diacritics 2"]:
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize='{tokenizer}')")
    db.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", ((i, (d["title"] + " " + d["text"]).strip()) for i, d in enumerate(docs)))
    total, n = 0.0, 0
    for q, gains in qrels.items():
        if not any(v > 0 for v in gains.values()):
            continue
        words = list(dict.fromkeys(w for w in re.split(r"[^\w]+", queries[q]) if w))
        match = " OR ".join('"%s"' % w for w in words)
        ranked = [docs[r[0]]["_id"] for r in db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t), rowid LIMIT 10", (match,))]
        dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked))
        idcg = sum(v / math.log2(i + 2) for i, v in enumerate(sorted((v for v in gains.values() if v > 0), reverse=True)[:10]))
        total, n = total + dcg / idcg, n + 1
    print(f"{tokenizer}: {n} queries, nDCG@10 {total / n:.4f}")
