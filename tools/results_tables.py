"""Prints the README's result tables from results/<collection>-<model>/results.json (written by
`normretrieval eval --dataset data/beir/<collection> --model <model> --stages all --out results/<collection>-<model>`).

Usage: python3 tools/results_tables.py [RESULTS_FOLDER]      (default: results)

Verdicts: "helps" when the 95% interval of the nDCG@10 difference lies above zero, "hurts" when below, else
"neutral" (the difference is indistinguishable from zero on these queries).
"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "results"
collections = ["cranfield", "cisi", "scifact", "medline"]
models = ["minilm", "arctic-xs"]
runs = {(c, m): json.load(open(os.path.join(root, f"{c}-{m}", "results.json"), encoding="utf-8"))
        for c in collections for m in models if os.path.exists(os.path.join(root, f"{c}-{m}", "results.json"))}


def signed(x, n=4):
    r = round(x, n)
    return f"{0.0 if r == 0 else r:+.{n}f}"


def verdict(p):
    return "helps" if p["deltaLower"] > 0 else "hurts" if p["deltaUpper"] < 0 else "neutral"


def spread(p):
    d = p.get("repeatDeltas", [])
    if len(d) < 2:
        return 0.0
    m = sum(d) / len(d)
    return (sum((x - m) ** 2 for x in d) / (len(d) - 1)) ** 0.5


print("| collection | model | cosine nDCG@10 | best policy (out of fold) | Δ nDCG@10 [95% CI] | p | verdict | confidence ρ |")
print("|---|---|---|---|---|---|---|---|")
for (c, m), r in runs.items():
    cosine = r["policies"][0]
    best = max(r["policies"][1:], key=lambda p: p["ndcg10"])
    print(f"| {c} ({len(r['queries'])} q) | {m} | {cosine['ndcg10']:.4f} | {best['policy']} {best['ndcg10']:.4f} | "
          f"{signed(best['deltaNdcg10'])} [{signed(best['deltaLower'])}, {signed(best['deltaUpper'])}] | {best['pValue']:.3f} | "
          f"{verdict(best)} | {signed(r['confidence']['valueSpearman'], 3)} |")
print()
print("Every policy family on every collection, nDCG@10 difference to cosine ± the standard deviation of the five repeats' differences (p-value):")
print()
keys = list(runs)
print("| policy | " + " | ".join(f"{c} {m}" for c, m in keys) + " |")
print("|---|" + "---|" * len(keys))
for family in [p["policy"] for p in runs[keys[0]]["policies"][1:]]:
    cells = []
    for k in keys:
        p = next(x for x in runs[k]["policies"] if x["policy"] == family)
        cells.append(f"{signed(p['deltaNdcg10'])} ±{spread(p):.4f} ({p['pValue']:.3f})")
    print(f"| {family} | " + " | ".join(cells) + " |")
print()
print("| collection | model | BM25 | dense | hybrid | hybrid + norm | hybrid − dense | (hybrid + norm) − hybrid | hybrid ≥ best of BM25, dense |")
print("|---|---|---|---|---|---|---|---|---|")
for (c, m), r in runs.items():
    s = {x["policy"]: x for x in r.get("stages", [])}
    if not s:
        continue
    b, d, h, hn = s["bm25"], s["dense"], s["hybrid"], s["hybrid+norm"]

    def diff(x):
        return f"{signed(x['deltaNdcg10'])} [{signed(x['deltaLower'])}, {signed(x['deltaUpper'])}], p {x['pValue']:.3f}"

    print(f"| {c} ({len(r['queries'])} q) | {m} | {b['ndcg10']:.4f} | {d['ndcg10']:.4f} | {h['ndcg10']:.4f} | {hn['ndcg10']:.4f} | "
          f"{diff(h)} | {diff(hn)} | {'yes' if h['ndcg10'] >= max(b['ndcg10'], d['ndcg10']) else 'no'} |")
print()
print("| collection | model | top-1 precision | risk–coverage area: confidence | top cosine | gap | query norm | random | oracle | threshold for precision 0.50 | precision, coverage (in sample) | cross-validated |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for (c, m), r in runs.items():
    a = r["confidence"].get("abstention")
    if not a:
        continue
    area = {s["signal"]: s["aurc"] for s in a["signals"]}
    best = min(("confidence", "topCosine", "gap", "queryNorm"), key=lambda s: area[s])

    def cell(s):
        return f"**{area[s]:.3f}**" if s == best else f"{area[s]:.3f}"

    if a["threshold"] is None:
        chosen, inside, outside = "none reaches it", "—", "—"
    else:
        chosen = f"{a['signal']} ≥ {a['threshold']:.4f}"
        inside = f"{a['precision']:.2f}, {a['coverage']:.0%}"
        oof = a["outOfFoldPrecision"]
        outside = f"{oof:.2f}, {a['outOfFoldCoverage']:.0%}" + ("" if oof is not None and oof >= a["targetPrecision"] - 0.05 else " (misses)")
    print(f"| {c} | {m} | {a['basePrecision']:.2f} | {cell('confidence')} | {cell('topCosine')} | {cell('gap')} | {cell('queryNorm')} | "
          f"{area['random']:.3f} | {area['oracle']:.3f} | {chosen} | {inside} | {outside} |")
