# usage: /usr/bin/python3 assessor_check.py OUTPUT_FOLDER  (a run folder: SHA256SUMS, and results.json per variant against its file)
# An assessor's second path over a Quantrace output folder: onnx + numpy only, no Quantrace code.
import sys, os, json, hashlib, re, onnx, numpy as np
from onnx import numpy_helper as nh
d=sys.argv[1]; bad=[]; ok=0
def sha(p): return hashlib.sha256(open(p,'rb').read()).hexdigest()
for line in open(os.path.join(d,'SHA256SUMS')):
    h,f=line.split(None,1); f=f.strip().lstrip('*')
    if sha(os.path.join(d,f))!=h: bad.append('SHA256SUMS '+f)
    else: ok+=1
print('SHA256SUMS files ok',ok)
r=json.load(open(os.path.join(d,'results.json')))
for m in r['models']:
    for v in m['variants']:
        if 'file' not in v: continue
        p=os.path.join(d,v['file']); mo=onnx.load(p)
        W=[nh.to_array(i) for i in mo.graph.initializer]
        names=[i.name for i in mo.graph.initializer]
        # scales / zero points: initializers read as input 1/2 of Q/DQ nodes
        qp=set()
        for n in mo.graph.node:
            if n.op_type in('QuantizeLinear','DequantizeLinear','DynamicQuantizeLinear'): qp.update(n.input[1:])
            if n.op_type=='Mul' and any(x.endswith('_scale') for x in n.input): qp.update(x for x in n.input if x.endswith('_scale'))
        params=sum(a.size for nm,a in zip(names,W) if nm not in qp and a.dtype!=np.int64)
        qps=sum(a.size for nm,a in zip(names,W) if nm in qp)
        got=(os.path.getsize(p),sha(p),params,qps); want=(v['sizeBytes'],v['sha256'],v['parameters'],v['quantizationParameters'])
        print(m['name'],v['variant'],'size/sha/params/qparams', 'ok' if got==want else ('DIFF',got,want))
        if got!=want: bad.append(v['variant'])
print('accepted in results.json:',r['accepted'])
print('mismatches:',bad)
