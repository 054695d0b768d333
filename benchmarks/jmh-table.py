"""Turns JMH's JSON results into a Markdown table: benchmark, parameters, ops/s (± 99.9% error), bytes/op."""
import json
import sys

rows = json.load(open(sys.argv[1]))
print("| benchmark | parameters | ops/s | ± | allocated B/op |")
print("|---|---|---:|---:|---:|")
for r in rows:
    name = r["benchmark"].split(".")[-2] + "." + r["benchmark"].split(".")[-1]
    params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
    m = r["primaryMetric"]
    alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
    alloc = "-" if alloc is None else f"{alloc:,.0f}"
    print(f"| {name} | {params} | {m['score']:,.0f} | {m['scoreError']:,.0f} | {alloc} |")
