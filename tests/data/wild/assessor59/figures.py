"""Check the figures PhIMT0002/0003 (md) print against the files. python3 figures.py OUTDIR RECIPEDIR"""
import sys, os, re, json, hashlib, glob
import numpy as np, onnx
from onnx import numpy_helper
sys.path.insert(0, os.path.dirname(__file__))
from formats import md_rows, md_paragraphs
out, rdir = sys.argv[1], sys.argv[2]
fails = []; oks = 0
def ok(c, msg):
    global oks
    if c: oks += 1
    else: fails.append(msg); print('FAIL', msg[:400])
sha = lambda p: hashlib.sha256(open(p, 'rb').read()).hexdigest()
res = json.load(open(out + '/results.json'))
# 1. every SHA-256 printed next to a path
for md in glob.glob(out + '/logs/*.md'):
    text = open(md, encoding='utf-8').read()
    for m in re.finditer(r'([\w./\-]+\.(?:onnx|qr|txt|sha256|gz))[^|<]{0,60}?(?:SHA-256|sha256) ([0-9a-f]{64})', text):
        path, h = m.group(1), m.group(2)
        cands = [os.path.join(out, path), os.path.join(rdir, path)]
        f = next((c for c in cands if os.path.isfile(c)), None)
        ok(f is not None and sha(f) == h, f'{os.path.basename(md)}: {path} sha256 {h[:12]} vs {sha(f)[:12] if f else "missing"}')
# 2. sizes and parameters per variant
for mod in res['models']:
    for v in mod['variants']:
        f = os.path.join(out, v['file']) if 'file' in v else os.path.join(rdir, v['input'])
        ok(os.path.getsize(f) == v['sizeBytes'], f"results.json {v['variant']} size {v['sizeBytes']} vs {os.path.getsize(f)}")
        m = onnx.load(f); n = sum(int(np.prod(i.dims)) for i in m.graph.initializer if i.data_type == 1)
        print(f"  {mod['name']}/{v['variant']}: {os.path.getsize(f)} bytes, float params in file {n}, results.json parameters {v['parameters']}")
# 3. Appendix tables of PhIMT0003: scales and zero points against the model files
def qparams(model):
    g = model.graph; init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:
        if n.op_type == 'Constant': init[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    d = {}
    for n in g.node:
        if n.op_type in ('QuantizeLinear', 'DequantizeLinear') and n.input[1] in init:
            zp = init[n.input[2]] if len(n.input) > 2 and n.input[2] in init else None
            for t in (n.input[0], n.output[0]):
                d.setdefault(t, []).append((init[n.input[1]], zp, n.op_type))
        if n.op_type == 'Mul' and n.input[1].endswith('_scale') and n.input[1] in init:
            d.setdefault(re.sub('_int$', '', n.input[0]), []).append((init[n.input[1]], None, 'Mul'))
    prod = {o: n for n in g.node for o in n.output}
    def inherit(t, depth=0):
        # a tensor of codes written by an op that moves codes (MaxPool, Transpose, ...) has its input's scale
        n = prod.get(t)
        if n is None or depth > 5 or n.op_type not in ('MaxPool', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Slice', 'Split', 'Concat'):
            return d.get(t, [])
        return d.get(t, []) or inherit(n.input[0], depth + 1)
    d2 = dict(d)
    for t in prod:
        if t not in d2 and inherit(t): d2[t] = inherit(t)
    return d2, init
for md in glob.glob(out + '/logs/PhIMT0003-*.md'):
    rows = md_rows(md); lines = open(md, encoding='utf-8').read().split('\n')
    # split by appendix headings
    sect = None; tables = {}
    for l in lines:
        mm = re.match(r'## .*Appendix [A-Z]\. Quantization parameters per tensor, (\S+)', l)
        if mm: sect = mm.group(1); tables[sect] = []; continue
        if l.startswith('## '): sect = None
        if sect and l.startswith('| ') and not l.startswith('| tensor'):
            tables[sect].append([c.strip() for c in re.split(r'(?<!\\)\|', l)[1:-1]])
    appx = {}
    for scheme, tab in tables.items():
        model = onnx.load(f'{out}/models/{os.path.basename(md)[10:-3]}/{scheme}.onnx'); d, init = qparams(model)
        for r in tab:
            t, role, node, typ, _, gran, rng, sc, zp = r
            if sc.startswith('as in Appendix'):
                continue
            scales = [float(x) for x in sc.split()]
            appx[(scheme, t, role)] = scales
            keys = [t, t + '_q', t + '_quantized']
            found = [q for k in keys for q in d.get(k, [])]
            if not found and t + '_scale' in init: found = [(init[t + '_scale'], init.get(t + '_zp', init.get(t + '_zero_point')), 'init')]
            if not found:
                ok(False, f'{scheme} {t} ({role}): no Q/DQ/Mul with its scale in the model'); continue
            match = False
            for s, z, op in found:
                s = np.atleast_1d(s).astype(np.float64).ravel()
                if len(s) == len(scales) and np.allclose(s, scales, rtol=2e-7, atol=0):
                    zs = zp.replace(' ', '')
                    if z is None: match = zs.startswith('0') or zs == ''
                    else:
                        zz = np.atleast_1d(z)
                        zt = {'int8': np.int8, 'uint8': np.uint8, 'int32': np.int32}.get(typ)
                        want = int(zs.split('×')[0]) if '×' in zs else [int(x) for x in zp.split()]
                        match = np.all(zz == want) and (role == 'bias' or zz.dtype == zt)
                    if match: break
            ok(match, f'{scheme} {t} ({role}): scales/zp {sc[:60]} / {zp} vs file {[ (np.atleast_1d(s)[:3], None if z is None else (np.atleast_1d(z)[:3], np.atleast_1d(z).dtype)) for s,z,op in found]}')
    # "as in Appendix" rows: the model must hold the same scales as the referenced appendix
    for scheme, tab in tables.items():
        model = onnx.load(f'{out}/models/{os.path.basename(md)[10:-3]}/{scheme}.onnx'); d, init = qparams(model)
        for r in tab:
            if r[7].startswith('as in Appendix'):
                ref = re.search(r'\((\S+)\)', r[7]).group(1)
                want = appx.get((ref, r[0], r[1]))
                found = [q for k in (r[0], r[0] + '_q') for q in d.get(k, [])]
                ok(want is not None and any(np.atleast_1d(s).size == len(want) and np.allclose(np.atleast_1d(s).ravel(), want, rtol=2e-7) for s, z, op in found),
                   f'{scheme} {r[0]}: "as in {ref}" but file differs')
print(f'{oks} checks passed, {len(fails)} failed')
