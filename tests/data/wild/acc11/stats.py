import interp, onnx, numpy as np, torch, gzip
from onnx import numpy_helper as nh
m=onnx.load('/tmp/acc11/d/conv.onnx'); x=interp.load_idx('/work/wt/acc11/tests/data/zoo/data/calib300-images-idx3-ubyte.gz')
env=interp.run(m,x); init={i.name: nh.to_array(i) for i in m.graph.initializer}
for n in m.graph.node:
    if n.op_type=='Mul':
        t=env[n.input[0]]; a=init[n.input[1]].reshape(-1)
        mn=t.amin((0,2,3)).numpy(); mx=t.amax((0,2,3)).numpy(); rng=mx-mn
        S=(max(mx.max(),0)-min(mn.min(),0))/255
        # error contributed on output per channel ~ |a_c| S/sqrt(12); output (after BN+relu) range:
        add=[k for k in m.graph.node if k.input and k.input[0]==n.output[0]][0]
        y=env[add.output[0]].clamp(min=0); So=y.amax().item()/255
        amp=np.abs(a)*S/So
        print(n.input[0][:28].ljust(28), 'C=%d S_in=%.4f ch-range min %.2f med %.2f max %.2f |a| %.2f..%.2f  S_out=%.4f  amp(|a|S_in/S_out) med %.1f max %.1f  rng_c*|a| max %.1f' % (len(a), S, rng.min(), np.median(rng), rng.max(), np.abs(a).min(), np.abs(a).max(), So, np.median(amp), amp.max(), (rng*np.abs(a)).max()))
