#!/usr/bin/env python3
"""What bounds the whole-model share of peak: from a run.sh result of the per-layer probes (layers.py), for each
reference model and batch (2 threads), each layer's time per image for gansynth and the best peer, and the
ceiling on the whole model's % of peak if its big layers (>= 10% of the MACs) ran at 100% of the FMA peak while
the small ones ran as fast as the fastest engine measured ran them.

    python3 Benchmarks/bounds.py Benchmarks/results/run-LAYERS.jsonl

Caveat: a probe feeds its layer from z and reshapes its output to (1, H, W); gansynth keeps activations
(C, batch, H*W), so its probe pays for a layout change of the input and output that the whole model pays only
once at the end. ONNX Runtime and PyTorch pay nothing for those reshapes. gansynth's probe figures are therefore
a lower bound on the layer's speed inside the model.
"""
from __future__ import annotations

import json
import re
import sys
from collections import defaultdict


def main() -> None:
    rows = []
    for path in sys.argv[1:]:
        with open(path) as f:
            rows += [json.loads(line) for line in f if line.startswith("{")]
    peak = {1: 116.0, 2: 229.0}
    for r in rows:
        if r["engine"] == "fma-peak" and r.get("isa", "avx512") == "avx512":
            peak[r["threads"]] = r["gflops"]
    layers = defaultdict(dict)  # (model, threads, batch) -> {layer: {engine: seconds per image, "macs": n}}
    for r in rows:
        m = re.fullmatch(r"(.+)-L(\d+)", r.get("model", ""))
        if not m or r["engine"] not in ("gansynth", "gansynth-chunk64", "onnxruntime", "pytorch"):
            continue
        engine = "gansynth" if r["engine"].startswith("gansynth") else r["engine"]
        d = layers[(m.group(1), r["threads"], r["batch"])].setdefault(int(m.group(2)), {"macs": r["macs_per_image"]})
        spi = 1.0 / r["images_per_s"]
        d[engine] = min(d.get(engine, spi), spi)
    print("| model | thr | batch | layer | MACs | gansynth % peak | ORT % peak | PyTorch % peak |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    ceilings = []
    for (model, t, b), ls in sorted(layers.items()):
        total = sum(d["macs"] for d in ls.values())
        bound_time = 0.0
        for k, d in sorted(ls.items()):
            def pct(e):
                return f"{100 * 2 * d['macs'] / d[e] / 1e9 / peak[t]:.0f}%" if e in d else "–"
            print(f"| {model} | {t} | {b} | L{k} | {d['macs'] / 1e6:.2f} M | {pct('gansynth')} | {pct('onnxruntime')} | "
                  f"{pct('pytorch')} |")
            at_peak = 2 * d["macs"] / (peak[t] * 1e9)
            best = min(v for e, v in d.items() if e != "macs")
            bound_time += at_peak if d["macs"] >= 0.1 * total else max(at_peak, best)
        ceilings.append((model, t, b, 100 * 2 * total / bound_time / 1e9 / peak[t]))
    print()
    print("Ceiling on the whole model's % of peak (big layers at 100% of peak, small layers as fast as the fastest "
          "engine ran them):")
    for model, t, b, c in ceilings:
        print(f"  {model} threads {t} batch {b}: {c:.0f}%")


if __name__ == "__main__":
    main()
