#!/usr/bin/python3
"""forge_attr.py RUN_COPY MODEL_REL OP ATTR VALUE: sets attribute ATTR of every OP node in RUN_COPY/MODEL_REL to VALUE (int, or
string, or ints as a,b,c), then, as a forger would, puts the model's new hash wherever the text files name the old one,
rewrites INVENTORY.sha256's hash likewise and recomputes SHA256SUMS (the DOCX/PDF logs keep the old hashes)."""
import sys, os, hashlib, onnx
from onnx import helper
run, rel, op, attr, value = sys.argv[1:6]
h = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
def swap(old, new):
    for d, _, fs in os.walk(run):
        for f in fs:
            p = os.path.join(d, f)
            if f == "SHA256SUMS" or not f.endswith((".xmi", ".json", ".md", ".html", ".sha256", ".txt", ".csv")): continue
            s = open(p, encoding="utf-8").read()
            if old in s: open(p, "w", encoding="utf-8").write(s.replace(old, new)); print("  hash replaced in", p[len(run)+1:])
p = os.path.join(run, rel); old = h(p); m = onnx.load(p); n = 0
for node in m.graph.node:
    if node.op_type != op: continue
    for a in node.attribute:
        if a.name == attr:
            v = [int(x) for x in value.split(",")] if "," in value else (int(value) if value.lstrip("-").isdigit() else value)
            a.CopyFrom(helper.make_attribute(attr, v)); n += 1
onnx.save(m, p); print(f"{n} attribute(s) set; {rel} {old[:12]} -> {h(p)[:12]}")
inv = os.path.join(run, "INVENTORY.sha256"); iold = h(inv); swap(old, h(p)); swap(iold, h(inv))
lines = [l.split("  ", 1)[1] for l in open(os.path.join(run, "SHA256SUMS")).read().splitlines()]
open(os.path.join(run, "SHA256SUMS"), "w").write("".join(f"{h(os.path.join(run, f))}  {f}\n" for f in lines))
