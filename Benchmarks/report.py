#!/usr/bin/env python3
"""Combine the JSON lines of one run (gansynth-bench, peers.py time, peers.py peak) into one Markdown table and
check the issue's targets:

  2 threads, batch 64 and 256: gansynth >= 1.2x ONNX Runtime and >= 1.5x PyTorch on every model,
                               and >= 85% of the FMA peak on the convolutional models;
  2 threads, batch 1:          gansynth >= 1.5x ONNX Runtime.

    python3 Benchmarks/report.py results/run-*.jsonl

The % peak target applies to models with a conv layer (peers.py marks them). % peak is GFLOP/s (2 x multiply-adds x images/s) over the FMA peak measured in the same run by fmapeak (512-bit
FMAs, per thread count); without a probe line, the issue's 116 / 229 GFLOP/s.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict

ISSUE_PEAK = {1: 116.0, 2: 229.0}


def main() -> None:
    rows = []
    for path in sys.argv[1:]:
        with open(path) as f:
            rows += [json.loads(line) for line in f if line.startswith("{")]
    peak = dict(ISSUE_PEAK)
    probes = [r for r in rows if r["engine"] == "fma-peak"]
    for r in probes:
        if r.get("isa", "avx512") == "avx512":
            peak[r["threads"]] = r["gflops"]
    res = defaultdict(dict)
    rounds = defaultdict(int)
    macs, conv = {}, {}
    order = []
    info = [r for r in rows if r["engine"] == "info"]
    for r in rows:
        if r["engine"] == "window" and r["contended"]:
            print(f"WARNING: {r['model']} was measured while other processes used {r.get('others_cores', '?')} cores")
    rows = [r for r in rows if r["engine"] not in ("info", "fma-peak", "window")]
    for r in info:
        print(f"Run of {r['date']}: {r['cpu']}, {r['cores']} cores; threads {r['threads']}, batches {r['batches']}, "
              f">= {r['seconds']} s per configuration and engine; gansynth at commit {r.get('commit', '?')}"
              f"{' with ' + str(r['sources_modified']) + ' modified files under Sources/' if r.get('sources_modified') else ''}")
    for r in rows:
        key = (r["model"], r["threads"], r["batch"])
        if key not in res:
            order.append(key)
        # Rounds (run.sh): each engine's fastest round of the cell.
        best = res[key].get(r["engine"])
        if best is None or r["images_per_s"] > best["images_per_s"]:
            res[key][r["engine"]] = r
        rounds[key, r["engine"]] += 1
        macs[r["model"]] = r["macs_per_image"]
    for r in rows:
        if "conv" in r:
            conv[r["model"]] = r["conv"]

    if probes:
        print("FMA peak measured in this run (fmapeak.c, GFLOP/s): " + ", ".join(
            f"{r['threads']} thread{'s' if r['threads'] > 1 else ''} {r.get('isa', 'avx512')} {r['gflops']:.1f}"
            for r in probes))
    print(f"% peak below is relative to {', '.join(f'{v:.0f} GFLOP/s ({t} thr)' for t, v in sorted(peak.items()))}")
    print()
    print("gansynth = generate() with chunkSize = the batch (the library cuts its chunks for the caches and the "
          "threads); chunk 64 = the library's default chunkSize.")
    if rounds:
        print(f"Each cell: the engine's best of {min(rounds.values())}–{max(rounds.values())} rounds (median call time "
              "of each round).")
    print()
    print("| model | MACs/img | thr | batch | gansynth img/s | (chunk 64) | ORT img/s | PyTorch img/s | vs ORT "
          "| vs PyTorch | gansynth GFLOP/s | gansynth % peak | ORT % peak | PyTorch % peak |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

    def ips(key, engine):
        r = res[key].get(engine)
        return r["images_per_s"] if r else None

    def pct(key, engine):
        r = res[key].get(engine)
        return f"{100 * r['gflops'] / peak[key[1]]:.0f}%" if r else "–"

    def fmt(v):
        return f"{v:,.0f}" if v is not None else "–"

    def ratio(a, b):
        return a / b if a and b else None

    for key in order:
        m, t, b = key
        g, o, p = ips(key, "gansynth"), ips(key, "onnxruntime"), ips(key, "pytorch")
        ro, rp = ratio(g, o), ratio(g, p)
        gr = res[key].get("gansynth")
        gf = f"{gr['gflops']:.1f}" if gr else "–"
        c64 = ips(key, "gansynth-chunk64")
        print(f"| {m} | {macs[m] / 1e6:.1f} M | {t} | {b} | {fmt(g)} | {fmt(c64) if c64 else ''} | {fmt(o)} | {fmt(p)} | "
              f"{f'{ro:.2f}x' if ro else '–'} | {f'{rp:.2f}x' if rp else '–'} | "
              f"{gf} | {pct(key, 'gansynth')} | {pct(key, 'onnxruntime')} | "
              f"{pct(key, 'pytorch')} |")

    # Targets
    print()
    print("Targets (2 threads):")
    met = missed = 0
    for key in order:
        m, t, b = key
        if t != 2:
            continue
        g, o, p = ips(key, "gansynth"), ips(key, "onnxruntime"), ips(key, "pytorch")
        checks = []
        if b == 1:
            checks.append(("vs ORT >= 1.5x", ratio(g, o), 1.5))
        elif b in (64, 256):
            checks.append(("vs ORT >= 1.2x", ratio(g, o), 1.2))
            checks.append(("vs PyTorch >= 1.5x", ratio(g, p), 1.5))
            if res[key].get("gansynth") and conv.get(m, True):
                share = res[key]["gansynth"]["gflops"] / peak[t]
                checks.append(("% peak >= 85%", share, 0.85))
        for label, v, goal in checks:
            if v is None:
                continue
            ok = v >= goal
            met += ok
            missed += not ok
            shown = f"{100 * v:.0f}%" if "peak" in label else f"{v:.2f}x"
            print(f"  {'MET   ' if ok else 'MISSED'} {m} batch {b}: {label}: {shown}")
    print(f"  {met} met, {missed} missed")


if __name__ == "__main__":
    main()
