#!/usr/bin/python3
"""Independent assessor's checker of a Quantrace output folder (no Quantrace code).

usage: qcheck.py OUTDIR RECIPE_DIR [--no-eval] [--eval-limit N]
Prints one line per check: OK / FAIL / NOTE, and a summary. Exit 1 when a FAIL was found.
"""
import gzip
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import zipfile
from collections import Counter

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
import onnxnp  # noqa: E402

FAILS = []
NOTES = []


def ok(msg):
    print('OK   ' + msg)


def fail(msg):
    FAILS.append(msg)
    print('FAIL ' + msg)


def note(msg):
    NOTES.append(msg)
    print('NOTE ' + msg)


def sha(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''):
            h.update(b)
    return h.hexdigest()


def params(m):
    """Parameters as README/Inspection define them: elements of initializers and Constant values except INT64/BOOL/STRING."""
    n = 0
    skip = {onnx.TensorProto.INT64, onnx.TensorProto.BOOL, onnx.TensorProto.STRING}

    def graph(g):
        nonlocal n
        for i in g.initializer:
            if i.data_type not in skip:
                n += int(np.prod(i.dims)) if len(i.dims) else 1
        for nd in g.node:
            for a in nd.attribute:
                if nd.op_type == 'Constant' and a.name == 'value' and a.t.data_type not in skip:
                    n += int(np.prod(a.t.dims)) if len(a.t.dims) else 1
                if a.type == onnx.AttributeProto.GRAPH:
                    graph(a.g)
    graph(m.graph)
    return n


# ---------------------------------------------------------------- log text extraction

def md_text(path):
    return open(path, encoding='utf-8').read()


def html_text(path):
    s = open(path, encoding='utf-8').read()
    s = re.sub(r'<(script|style)[^>]*>.*?</\1>', ' ', s, flags=re.S)
    s = re.sub(r'<br\s*/?>', '\n', s)
    s = re.sub(r'<[^>]+>', ' ', s)
    return html.unescape(s)


def docx_text(path):
    with zipfile.ZipFile(path) as z:
        xml = z.read('word/document.xml').decode('utf-8')
    xml = re.sub(r'</w:p>', '\n', xml)
    xml = re.sub(r'<w:br/>', '\n', xml)
    xml = re.sub(r'<w:tab/>', '\t', xml)
    return html.unescape(re.sub(r'<[^>]+>', '', xml))


def pdf_text(path):
    return subprocess.run(['pdftotext', path, '-'], capture_output=True, text=True).stdout


def md_table_rows(md):
    """label -> value of the two-column template tables, with the table they are in."""
    rows = []
    table = None
    for line in md.splitlines():
        m = re.match(r'.*\*Table (\d+)\. (.*)\*', line)
        if m:
            table = m.group(2)
        if line.startswith('| ') and table:
            cells = [c.strip() for c in re.split(r'(?<!\\)\|', line)[1:-1]]
            if len(cells) == 2:
                rows.append((table, cells[0].strip('*'), cells[1]))
        if line.startswith('## '):
            table = None
    return rows


SEED_ROWS = {
    'PhIMT0002': ['Model conversion', 'Date', 'Responsible', 'Phase of the lifecycle', 'Verified Learning Model',
                  'Verified Learning Model ID', 'Elimination of Training-Specific Operations', 'Dropout', 'Batch Normalization',
                  'Gradient Clipping', 'Learning Rate Scheduling', 'Weight Regularization (L1,L2)',
                  'Loading and Converting the Verified Learning Model', 'Framework and version', 'Packages and version',
                  'Converter/model conversion script', 'Environment information'],
    'PhIMT0003': ['Model optimization', 'Date', 'Responsible', 'Phase of the lifecycle', 'Input Model Specifications',
                  'Verified Learning Model ID or Model Conversion ID',
                  'Calibration fundamentals operations (preprocessing operations before post-quantization)', 'Calibration',
                  'Transformation function', 'Scale factor', 'Post-training quantization specifications', 'Framework and version',
                  'Packages and version', 'Quantization precision', 'Quantization scheme', 'Quantization technique',
                  'Quantization granularity', 'Additional configurations', 'Pruning specifications', 'Pruning criteria',
                  'Pruning patterns', 'Techniques to recover accuracy', 'Partial quantization configurations',
                  'Quantization-aware training configurations', 'Learning quantization parameters configurations'],
}
SEED_SECTIONS = ['Documentation Information', 'Review / Modification History', 'Objective', 'Scope', 'Acronyms and Abbreviations',
                 'Bibliography']
DOC_INFO = ['Contract Number', 'Project Website', 'Contractual Deadline', 'Dissemination Level', 'Nature', 'Author', 'Modified by',
            'Reviewed by', 'Approved by', 'Keywords']
PLACEHOLDERS = ['<Model_ID>', '<Model_conversion_ID>', '<Model_optimization_ID>', 'Date of design', 'Specify the framework',
                'The person who converts', 'Include here all the information', 'Add here the reference', 'TODO', 'null', 'NaN',
                'undefined', '${', 'must be replaced', 'Tensorflow (keras']


# ---------------------------------------------------------------- data

def load_idx(path):
    op = gzip.open if path.endswith('.gz') else open
    b = op(path, 'rb').read()
    magic = int.from_bytes(b[:4], 'big')
    nd = magic & 0xff
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], 'big') for i in range(nd)]
    return np.frombuffer(b[4 + 4 * nd:], np.uint8).reshape(dims)


def load_dataset(recipe_dir, manifest, ds_path, labels_path, limit):
    """Returns float32 [N,1,28,28] in [0,1] and labels, from the files the manifest names."""
    from PIL import Image
    entries = []
    for line in open(manifest, encoding='utf-8'):
        p = line.rstrip('\n').split('  ', 2)
        if len(p) == 3:
            entries.append(p)
    base = os.path.join(recipe_dir, ds_path)
    # each manifest entry must hash to the file it names
    bad = [e[2] for e in entries if sha(os.path.join(base, e[2]) if os.path.isdir(base) else os.path.join(os.path.dirname(base), e[2])) != e[0]]
    if bad:
        fail(f'manifest {os.path.basename(manifest)}: {len(bad)} files do not hash as listed, e.g. {bad[:3]}')
    else:
        ok(f'manifest {os.path.basename(manifest)}: all {len(entries)} files hash as listed')
    if os.path.isdir(base):
        lm = json.load(open(os.path.join(recipe_dir, labels_path)))
        X, Y = [], []
        for e in entries[:limit] if limit else entries:
            img = Image.open(os.path.join(base, e[2])).convert('L')
            X.append(np.asarray(img, np.float32) / 255)
            Y.append(lm[e[2].split('/')[0]])
        return np.stack(X)[:, None], np.array(Y)
    X = load_idx(base).astype(np.float32) / 255
    Y = load_idx(os.path.join(recipe_dir, labels_path)).astype(np.int64)
    if limit:
        X, Y = X[:limit], Y[:limit]
    return X[:, None], Y


def evaluate(path, X, Y, batch=100):
    m = onnxnp.Model(path)
    inp = m.g.input[0]
    et = inp.type.tensor_type.elem_type
    feed_s = feed_z = None
    if et in (2, 3):  # integer input: q = r/S + Z of the DequantizeLinear reading it
        for n in m.g.node:
            if n.op_type == 'DequantizeLinear' and n.input[0] == inp.name:
                feed_s, feed_z = m.init[n.input[1]], m.init[n.input[2]]
    preds = []
    for i in range(0, len(X), batch):
        x = X[i:i + batch]
        if feed_s is not None:
            x = onnxnp.quantize(x, feed_s, feed_z, onnxnp.NP[et])
        out = m.run({inp.name: x})[0]
        preds.append(np.argmax(out.astype(np.float64), axis=1))
    p = np.concatenate(preds)
    return float((p == Y).mean()), p


# ---------------------------------------------------------------- main

def main():
    out, recipe_dir = sys.argv[1], sys.argv[2]
    do_eval = '--no-eval' not in sys.argv
    limit = int(sys.argv[sys.argv.index('--eval-limit') + 1]) if '--eval-limit' in sys.argv else 0
    R = json.load(open(os.path.join(out, 'results.json'), encoding='utf-8'))

    # 1. SHA256SUMS and INVENTORY
    listed = {}
    for line in open(os.path.join(out, 'SHA256SUMS'), encoding='utf-8'):
        h, name = line.rstrip('\n').split(None, 1)
        listed[name.lstrip('*')] = h
    actual = {}
    for root, _, files in os.walk(out):
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), out)
            actual[rel] = sha(os.path.join(root, f))
    for name, h in listed.items():
        if actual.get(name) != h:
            fail(f'SHA256SUMS: {name} listed {h[:12]}, file {str(actual.get(name))[:12]}')
    unlisted = sorted(set(actual) - set(listed) - {'SHA256SUMS'})
    ok(f'SHA256SUMS: {len(listed)} files checked; not listed: {unlisted}')
    inv = R['inventory']
    if actual.get(inv['file']) != inv['sha256']:
        fail(f"results.json inventory sha {inv['sha256'][:12]} != file {str(actual.get(inv['file']))[:12]}")
    for line in open(os.path.join(out, inv['file']), encoding='utf-8'):
        h, name = line.rstrip('\n').split(None, 1)
        if actual.get(name.lstrip('*')) != h:
            fail(f'INVENTORY: {name} listed {h[:12]}, file {str(actual.get(name.lstrip("*")))[:12]}')

    # recipe copy
    if actual.get('recipe/' + R['recipeFile']) != R['recipeSha256']:
        fail(f"recipe copy hash != recipeSha256")
    if sha(os.path.join(recipe_dir, R['recipeFile'])) != R['recipeSha256']:
        fail('the recipe on disk differs from recipeSha256 (edited since the run?)')
    else:
        ok('recipe and its copy hash as results.json says')

    known_hashes = dict((h, n) for n, h in actual.items())
    run_date = R['runTime'][:10].replace('-', '/')

    # 2. per model: variants
    for model in R['models']:
        mname = model['name']
        files = {}
        for v in model['variants']:
            path = os.path.join(out, v['file']) if 'file' in v else os.path.join(recipe_dir, v['input'])
            files[v['variant']] = path
            h = sha(path)
            known_hashes[h] = v.get('file', v.get('input'))
            sz = os.path.getsize(path)
            m = onnx.load(path)
            p = params(m)
            errs = []
            if h != v['sha256']:
                errs.append(f"sha {v['sha256'][:12]} vs {h[:12]}")
            if sz != v['sizeBytes']:
                errs.append(f"size {v['sizeBytes']} vs {sz}")
            if p != v.get('parameters'):
                errs.append(f"parameters {v.get('parameters')} vs {p}")
            if 'metrics' in v and v['metrics'].get('model size (bytes)') not in (None, float(sz)):
                errs.append(f"metric model size {v['metrics']['model size (bytes)']} vs {sz}")
            if errs:
                fail(f'{mname}/{v["variant"]}: ' + '; '.join(errs))
            else:
                ok(f'{mname}/{v["variant"]}: sha, size {sz}, parameters {p} as results.json says')

        # 3. evaluation
        if do_eval:
            ev = next(v for v in model['variants'] if 'metrics' in v)
            ds = ev['dataset']
            man = os.path.join(out, 'data', ds + '.manifest.txt')
            rec = open(os.path.join(out, 'recipe', R['recipeFile']), encoding='utf-8').read()
            dm = re.search(r'dataset\s+' + ds + r'\s+"([^"]+)"[^\n]*?labels\s+"([^"]+)"', rec)
            X, Y = load_dataset(recipe_dir, man, dm.group(1), dm.group(2), limit)
            if not limit and len(Y) != ev['samples']:
                fail(f'{mname}: {len(Y)} samples in manifest vs {ev["samples"]} recorded')
            preds = {}
            for v in model['variants']:
                if 'metrics' not in v:
                    continue
                try:
                    acc, p = evaluate(files[v['variant']], X, Y)
                except NotImplementedError as e:
                    note(f'{mname}/{v["variant"]}: my interpreter lacks op {e}')
                    continue
                preds[v['variant']] = p
                rec_acc = v['metrics']['accuracy']
                msg = f'{mname}/{v["variant"]}: accuracy recomputed {acc:.4f} vs recorded {rec_acc:.4f} on {len(Y)} samples'
                if limit:
                    note(msg + ' (subset)')
                elif abs(acc - rec_acc) > 1.5 / len(Y):  # allow one sample of rounding-tie difference
                    fail(msg)
                else:
                    ok(msg)
                # recorded kappa and macro f1
                if not limit and 'cohen kappa' in v['metrics']:
                    k = kappa(Y, p)
                    if abs(k - v['metrics']['cohen kappa']) > 0.003:
                        fail(f'{mname}/{v["variant"]}: kappa recomputed {k:.4f} vs {v["metrics"]["cohen kappa"]:.4f}')
            # acceptance: drop against the original, decision
        # 4. model facts
        check_models(out, mname, model, files)
    # 5. logs
    check_logs(out, R, known_hashes, run_date)
    check_report(out, R)
    print()
    print(f'{len(FAILS)} FAIL, {len(NOTES)} NOTE')
    sys.exit(1 if FAILS else 0)


def kappa(y, p):
    k = max(y.max(), p.max()) + 1
    cm = np.zeros((k, k))
    for a, b in zip(y, p):
        cm[a, b] += 1
    n = cm.sum()
    po = np.trace(cm) / n
    pe = (cm.sum(0) * cm.sum(1)).sum() / n / n
    return (po - pe) / (1 - pe)


def io_desc(path):
    m = onnxnp.Model(path)
    d = {}
    for vi, kind in [(x, 'input') for x in m.g.input] + [(x, 'output') for x in m.g.output]:
        et = vi.type.tensor_type.elem_type
        s = z = None
        if et in (2, 3):
            for n in m.g.node:
                if kind == 'input' and n.op_type == 'DequantizeLinear' and n.input[0] == vi.name:
                    s, z = m.init[n.input[1]], m.init[n.input[2]]
                if kind == 'output' and n.op_type == 'QuantizeLinear' and n.output[0] == vi.name:
                    s, z = m.init[n.input[1]], m.init[n.input[2]]
        d[vi.name] = (kind, onnx.TensorProto.DataType.Name(et).lower().replace('float', 'float32') if et != 1 else 'float32', s, z)
    return d


def check_models(out, mname, model, files):
    md = md_text(os.path.join(out, 'logs', f'PhIMT0003-{mname}.md'))
    for v in model['variants']:
        if v.get('kind') != 'quantized':
            continue
        d = io_desc(files[v['variant']])
        for name, (kind, t, s, z) in d.items():
            if s is not None:
                pat = f"{kind} '{name}': {t}, s = "
                i = md.find(pat)
                seg = md[i:i + 80] if i >= 0 else ''
                mm = re.match(re.escape(pat) + r'([0-9.eE+-]+), z = (-?\d+)', seg)
                if not mm:
                    fail(f'PhIMT0003 {v["variant"]}: no "{pat}..." line')
                    continue
                ls, lz = float(mm.group(1)), int(mm.group(2))
                if abs(ls - float(s)) > 1e-6 * abs(float(s)) + 1e-12 or lz != int(z):
                    fail(f'PhIMT0003 {v["variant"]} {kind} {name}: log s={ls} z={lz}, model s={float(s)} z={int(z)}')
                else:
                    ok(f'PhIMT0003 {v["variant"]} {kind} {name}: {t} s={ls} z={lz} as the model holds')
        # per-tensor appendix: scales of the weights
        m = onnxnp.Model(files[v['variant']])
        dq = [n for n in m.g.node if n.op_type == 'DequantizeLinear' and n.input[0] in m.init]
        types = Counter(str(m.init[n.input[0]].dtype) for n in dq)
        casts = [n for n in m.g.node if n.op_type == 'Cast' and n.input[0] in m.init]
        types.update(str(m.init[n.input[0]].dtype) for n in casts)
        w8 = sum(1 for n in dq + casts if m.init[n.input[0]].dtype == np.int8)
        b32 = sum(1 for n in dq if m.init[n.input[0]].dtype == np.int32)
        seg = md[md.find(f'Table') :]
        tbl = re.search(r'Model optimization \| OPT[^|]*/' + re.escape(v['variant']) + r' \|(.*?)Evaluation of', md, re.S)
        if tbl:
            t = tbl.group(1)
            mw = re.search(r'weights: (\w+) \((\d+) tensors\)', t)
            if mw and int(mw.group(2)) != w8 + sum(1 for n in m.g.node if n.op_type == 'MatMulInteger' and n.input[1] in m.init and False):
                # DRQ's MatMulInteger weights are read directly (no DQ/Cast)
                direct = sum(1 for n in m.g.node if n.op_type == 'MatMulInteger' and n.input[1] in m.init)
                if int(mw.group(2)) != w8 + direct:
                    fail(f'PhIMT0003 {v["variant"]}: "weights: {mw.group(1)} ({mw.group(2)} tensors)" but the model holds {w8 + direct} int8 weight tensors')
                else:
                    ok(f'PhIMT0003 {v["variant"]}: {mw.group(2)} int8 weight tensors')
            mb = re.search(r'biases: int32 \((\d+) tensors\)', t)
            if mb and int(mb.group(1)) != b32:
                fail(f'PhIMT0003 {v["variant"]}: {mb.group(1)} int32 biases in the log, {b32} in the model')
            ma = re.search(r'activations: (u?int\d+) \((\d+) tensors\)', t)
            if ma:
                inf = onnx.shape_inference.infer_shapes(m.m)
                code = {'uint8': 2, 'int8': 3, 'int16': 5, 'uint16': 4}[ma.group(1)]
                ios = {x.name for x in m.g.input} | {x.name for x in m.g.output}
                acts = {vi.name for vi in inf.graph.value_info if vi.type.tensor_type.elem_type == code and vi.name not in ios}
                # a float model input quantized inside the graph is the log's "inputs" class, not an activation
                inputs_cls = re.search(r'inputs: ' + ma.group(1) + ', ', t) is not None and m.g.input[0].type.tensor_type.elem_type == 1
                (ok if len(acts) == int(ma.group(2)) + (1 if inputs_cls else 0) else fail)(f'PhIMT0003 {v["variant"]}: log says {ma.group(1)} activations ({ma.group(2)} tensors); the model quantizes {len(acts)} distinct tensors to {ma.group(1)}')
        else:
            fail(f'PhIMT0003: no Table 1 for {v["variant"]}')


def check_logs(out, R, known_hashes, run_date):
    for path in sorted(os.listdir(os.path.join(out, 'logs'))):
        if not path.endswith('.md'):
            continue
        stem = path[:-3]
        kind = stem.split('-')[0]
        md = md_text(os.path.join(out, 'logs', path))
        texts = {'md': md, 'html': html_text(os.path.join(out, 'logs', stem + '.html')),
                 'docx': docx_text(os.path.join(out, 'logs', stem + '.docx')), 'pdf': pdf_text(os.path.join(out, 'logs', stem + '.pdf'))}
        # seeds' rows and sections in every format
        for fmt, t in texts.items():
            flat = re.sub(r'\s+', ' ', t)
            missing = [r for r in SEED_ROWS[kind] + SEED_SECTIONS + DOC_INFO if r not in flat]
            if missing:
                fail(f'{stem}.{fmt}: template rows/sections missing: {missing}')
            else:
                ok(f'{stem}.{fmt}: all {len(SEED_ROWS[kind]) + len(SEED_SECTIONS) + len(DOC_INFO)} template rows and sections present')
            ph = [p for p in PLACEHOLDERS if p in t]
            if ph:
                fail(f'{stem}.{fmt}: template placeholders/instructions left: {ph}')
        # hashes: every 64-hex in every format names a file we know
        for fmt, t in texts.items():
            flat = re.sub(r'\s+', '', t) if fmt == 'pdf' else t
            hs = set(re.findall(r'(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])', flat))
            if fmt == 'pdf':
                hs = {h for h in md_hashes if h in flat} | {h for h in hs if h in known_hashes}
            unknown = [h for h in hs if h not in known_hashes]
            if unknown:
                fail(f'{stem}.{fmt}: {len(unknown)} SHA-256 values name no file of the run or its inputs: {[h[:12] for h in unknown]}')
            else:
                ok(f'{stem}.{fmt}: all {len(hs)} SHA-256 values name files of the run or its inputs')
            if fmt == 'md':
                md_hashes = hs
            elif hs != md_hashes and fmt != 'pdf':
                fail(f'{stem}.{fmt}: SHA-256 set differs from the .md: only md {[h[:8] for h in md_hashes - hs]} only {fmt} {[h[:8] for h in hs - md_hashes]}')
            elif fmt == 'pdf' and not md_hashes <= hs:
                fail(f'{stem}.pdf: {len(md_hashes - hs)} of the md hashes not found in the PDF text')
        # template rows: filled, date, consistency across formats
        rows = md_table_rows(md)
        for table, label, value in rows:
            if label == 'Date' and value != run_date:
                fail(f'{stem} {table}: Date {value} but the run is of {run_date}')
            if label in SEED_ROWS[kind] and not value and label not in ('Verified Learning Model', 'Elimination of Training-Specific Operations',
                                                                       'Loading and Converting the Verified Learning Model', 'Input Model Specifications',
                                                                       'Calibration fundamentals operations (preprocessing operations before post-quantization)',
                                                                       'Post-training quantization specifications', 'Pruning specifications',
                                                                       'Techniques to recover accuracy'):
                fail(f'{stem} {table}: row {label} left blank')
        # figures: the numbers of each table row in md appear in html/docx
        for table, label, value in rows:
            nums = set(re.findall(r'(?<![\w.])-?\d[\d,]*\.?\d*(?:e-?\d+)?', value))
            for fmt in ('html', 'docx'):
                flat = texts[fmt]
                missing = [n for n in nums if n not in flat]
                if missing:
                    fail(f'{stem}.{fmt}: row "{label}" of {table[:40]}: figures of the .md missing: {missing[:6]}')
        # history and versions
        ver = re.search(r'\nVersion (\S+)', md)
        hist = re.findall(r'\| V(\S+) \| (\d{4}/\d{2}/\d{2}) \|', md)
        if ver and ver.group(1) not in [h[0] for h in hist]:
            fail(f'{stem}: version {ver.group(1)} not in the history {hist}')
        for v, d in hist:
            if d > run_date:
                fail(f'{stem}: history V{v} dated {d}, after the run ({run_date})')
        if hist and hist != sorted(hist, key=lambda x: x[1], reverse=True):
            note(f'{stem}: history not newest first: {hist}')
        # framework/package versions consistent across the md
        vers = set(re.findall(r'Quantrace (0\.\d+\.\d+\.v\d+-\d+)', md))
        if len(vers) != 1:
            fail(f'{stem}: Quantrace versions {vers}')
        ort = set(re.findall(r'ONNX Runtime \(Java, CPU\) ([\d.]+)', md))
        if len(ort) != 1:
            fail(f'{stem}: ONNX Runtime versions {ort}')


def check_report(out, R):
    t = html_text(os.path.join(out, 'report.html'))
    for model in R['models']:
        for v in model['variants']:
            if 'metrics' in v:
                a = f"{v['metrics']['accuracy']:.4f}"
                a3 = f"{v['metrics']['accuracy']:.3f}"
                if a not in t and a3 not in t:
                    fail(f'report.html: accuracy of {model["name"]}/{v["variant"]} ({a}) not found')
            if v['sha256'] not in t and v['sha256'][:12] not in t:
                note(f'report.html: hash of {model["name"]}/{v["variant"]} not shown')
    acc = 'accepted' if R['accepted'] else 'rejected'
    if acc not in t.lower():
        fail(f'report.html: overall verdict {acc} not stated')


if __name__ == '__main__':
    main()
