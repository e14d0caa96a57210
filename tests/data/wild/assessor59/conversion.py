"""PhIMT0002's counts against the files, PhIMT0003's pruning and layer counts, Appendix A's figures against results.json.
python3 conversion.py OUTDIR RECIPEDIR"""
import sys, os, re, json, glob
import numpy as np, onnx
from onnx import numpy_helper
sys.path.insert(0, os.path.dirname(__file__))
from formats import md_rows, md_paragraphs
out, rdir = sys.argv[1], sys.argv[2]
res = json.load(open(out + '/results.json'))
bad = 0
def ok(c, msg):
    global bad
    print(('ok   ' if c else 'FAIL ') + msg[:500]); bad += not c
for mod in res['models']:
    name = mod['name']; var = {v['variant']: v for v in mod['variants']}
    orig = onnx.load(os.path.join(rdir, var['original']['input'])); conv = onnx.load(os.path.join(out, var['converted']['file']))
    md2 = f'{out}/logs/PhIMT0002-{name}.md'; t2 = open(md2, encoding='utf-8').read()
    g = re.search(r'graph: (\d+) nodes in the verified model, (\d+) after conversion; (\d+) nodes removed or folded[^;]*?(?:, (\d+) of them constants)?[^;]*; (?:(\d+) nodes? added)?', t2)
    no, nc = len(orig.graph.node), len(conv.graph.node)
    onames = {n.name for n in orig.graph.node}; cnames = {n.name for n in conv.graph.node}
    if g:
        ok(int(g.group(1)) == no, f'{name}: verified model nodes {g.group(1)} vs file {no}')
        ok(int(g.group(2)) == nc, f'{name}: converted nodes {g.group(2)} vs file {nc}')
        ok(int(g.group(3)) == len(onames - cnames), f'{name}: removed {g.group(3)} vs names gone {len(onames - cnames)}')
        if g.group(5): ok(int(g.group(5)) == len(cnames - onames), f'{name}: added {g.group(5)} vs new names {len(cnames - onames)}')
    else:
        print('  (no graph line) ', no, nc, len(onames - cnames), len(cnames - onames))
    # Appendix A rows: one per node gone
    rows = md_rows(md2); i = [k for k, r in enumerate(rows) if r[:2] == ['node', 'why']]
    if i:
        arows = []
        for r in rows[i[0] + 1:]:
            if len(r) != 2 or r[0] in ('item',): break
            arows.append(r)
        names = [r[0] for r in arows]
        gone = onames - cnames
        ok(set(names) >= gone, f'{name}: Appendix A names every node gone ({len(gone)}), missing {sorted(gone - set(names))[:5]}')
        extra = [r for r in arows if r[0] not in gone]
        for r in extra: print('     Appendix A row of a node still there or unnamed:', r[0], '|', r[1][:120])
        ok(len(set(names)) == len(names), f'{name}: Appendix A rows unique ({len(names)})')
    cst = re.search(r'(\d+) Constant nodes of the main graph became initializers; (\d+) of them are not in the converted model', t2)
    if cst:
        k = sum(n.op_type == 'Constant' for n in orig.graph.node)
        ok(int(cst.group(1)) == k, f'{name}: Constant nodes {cst.group(1)} vs {k}')
        outs = [n.output[0] for n in orig.graph.node if n.op_type == 'Constant']
        cin = {i.name for i in conv.graph.initializer}
        ok(int(cst.group(2)) == sum(o not in cin for o in outs), f'{name}: constants not in the converted model {cst.group(2)} vs {sum(o not in cin for o in outs)}')
    # BatchNormalization row against the graph
    bn = [r for r in rows if r and r[0] == 'Batch Normalization']
    nbn = sum(n.op_type == 'BatchNormalization' for n in orig.graph.node)
    bnish = [n.name for n in orig.graph.node if 'batchnorm' in n.name.lower() and n.op_type in ('Mul', 'Add')]
    print(f'     BatchNormalization row: {bn[0][1][:200] if bn else None} | BatchNormalization nodes {nbn}, Mul/Add named batchnorm {len(bnish)}')
    # PhIMT0003: pruning sparsity and Appendix A (evaluation) figures
    md3 = f'{out}/logs/PhIMT0003-{name}.md'; t3 = open(md3, encoding='utf-8').read(); rows3 = md_rows(md3)
    sp = re.search(r'achieved sparsity: ([\d.]+) % \(([\d,]+) of ([\d,]+) parameters of the pruned layers left non-zero\)', t3)
    if sp and 'pruned' in var:
        pr = onnx.load(os.path.join(out, var['pruned']['file'])); ci = {i.name: numpy_helper.to_array(i) for i in conv.graph.initializer}
        nz = tot = 0
        for i in pr.graph.initializer:
            a = numpy_helper.to_array(i); base = i.name[:-7] if i.name.endswith('_pruned') else None
            if base and base in ci: nz += int(np.count_nonzero(a)); tot += a.size
        ok((nz, tot) == (int(sp.group(2).replace(',', '')), int(sp.group(3).replace(',', ''))), f'{name}: pruned non-zero {sp.group(2)} of {sp.group(3)} vs file {nz} of {tot}')
        ok(abs(float(sp.group(1)) - 100 * (1 - nz / tot)) < 0.006, f'{name}: sparsity {sp.group(1)} % vs {100 * (1 - nz / tot):.2f}')
    sz = re.search(r'model size: ([\d,]+) → ([\d,]+) bytes', t3)
    if sz and 'pruned' in var:
        ok(int(sz.group(2).replace(',', '')) == os.path.getsize(os.path.join(out, var['pruned']['file'])), f'{name}: pruned size {sz.group(2)}')
    # Appendix A table of PhIMT0003 against results.json
    hdr = next((k for k, r in enumerate(rows3) if r and r[0] == 'variant' and 'accuracy' in r), None)
    if hdr is not None:
        h = rows3[hdr]
        for r in rows3[hdr + 1:]:
            if not r or r[0] not in var: break
            v = var[r[0]]
            for col, cell in zip(h[1:], r[1:]):
                key = {'size (bytes)': 'model size (bytes)'}.get(col, col)
                if key in v['metrics']:
                    num = float(re.sub(r'[^\d.\-]', '', cell.replace(',', '')))
                    want = v['metrics'][key]
                    ok(abs(num - want) <= (0.5 if 'size' in key else 0.0005 + 1e-12), f'{name}/{r[0]} {col}: {cell} vs results.json {want}')
    for r in rows3:
        m = re.match(r'accuracy drop < ([\d.]+) pt', r[1]) if len(r) > 2 else None
        if m and r[0] in var:
            drop = 100 * (var['original']['metrics']['accuracy'] - var[r[0]]['metrics']['accuracy'])
            ok(abs(float(r[2].split()[0]) - drop) < 0.051, f'{name}/{r[0]} criterion: {r[2]} vs {drop:.2f} pt; result {r[3]}/{r[4]}')
            ok((drop < float(m.group(1))) == (r[3] == 'met'), f'{name}/{r[0]} verdict {r[3]}')
    # "N of M layers quantized" against Appendix E
    li = next((k for k, r in enumerate(rows3) if r[:3] == ['index', 'node', 'op']), None)
    if li is not None:
        cols = rows3[li][3:]; lay = [r for r in rows3[li + 1:] if r and re.match(r'^\d+$', r[0])]
        for j, sch in enumerate(cols):
            q = sum(not r[3 + j].startswith('float32') and not r[3 + j].startswith('no layer') and r[3 + j] != '' for r in lay)
            pat = re.findall(r'(\d+) of (\d+) layers quantized', '\n'.join('|'.join(r) for r in rows3 if r and r[0] == 'Quantization granularity'))
            print(f'     {sch}: Appendix E {len(lay)} layers, {q} not float32;')
        print('     "N of M layers quantized" rows:', pat)
    fl = onnx.load(os.path.join(out, var['pruned']['file'] if 'pruned' in var else var['converted']['file']))
    print(f'     float model for quantization: {sum(n.op_type != "Constant" for n in fl.graph.node)} non-Constant nodes')
sys.exit(1 if bad else 0)
