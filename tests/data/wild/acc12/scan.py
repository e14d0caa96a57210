#!/usr/bin/python3
"""scan.py MODEL.onnx...: the models holding a Conv (or MatMul/Gemm) whose output only Slice/Split nodes read (acc12's rule)."""
import sys, onnx
for f in sys.argv[1:]:
    try: m = onnx.load(f)
    except Exception as e: print(f, "unreadable", e); continue
    rd = {}
    for n in m.graph.node:
        for i in n.input: rd.setdefault(i, []).append(n)
    hits = []
    for n in m.graph.node:
        if n.op_type in ("Conv", "MatMul", "Gemm") and n.output[0] in rd:
            r = rd[n.output[0]]
            if all(x.op_type in ("Slice", "Split") for x in r): hits.append(f"{n.op_type} {n.name} -> {len(r)} {r[0].op_type}")
    if hits: print(f, hits)
