# stemcast.py IN OUT: the one-channel stem Conv on fp32's float weights, its int8 input dequantized by Cast, Sub, Mul
# (no DequantizeLinear before it, so ONNX Runtime's WeightBiasQuantization leaves its weights float), QuantizeLinear after it kept.
# Run where fp32.onnx (gat.onnx) is; the input's DequantizeLinear is left without readers for the measure client's input scale.
import onnx,sys, numpy as np
from onnx import helper, numpy_helper as nh
m=onnx.load(sys.argv[1]); g=m.graph; f=onnx.load('fp32.onnx')
fi={i.name:i for i in f.graph.initializer}; gi={i.name:i for i in g.initializer}
c0=[n for n in g.node if n.name=='/stem/stem.0/stem.0.0/Conv'][0]
c0.input[1]='onnx::Conv_107'; c0.input[2]='onnx::Conv_108'
for k in ['onnx::Conv_107','onnx::Conv_108']: g.initializer.append(fi[k])
sc=float(nh.to_array(gi['input_scale'])); zp=float(nh.to_array(gi['zero_point_int8_-128']))
g.initializer.extend([nh.from_array(np.array(zp,np.float32),'in_zp_f'), nh.from_array(np.array(sc,np.float32),'in_scale_f')])
i=list(g.node).index(c0)
g.node.insert(i, helper.make_node('Mul',['in_c0','in_scale_f'],['in_f']))
g.node.insert(i, helper.make_node('Sub',['in_c','in_zp_f'],['in_c0']))
g.node.insert(i, helper.make_node('Cast',['input'],['in_c'],to=1))
c0.input[0]="in_f"
g.node.insert(0, helper.make_node("DequantizeLinear",["input","input_scale","zero_point_int8_-128"],["input_dq_unread"]))  # left without readers: the measure client reads the input scale from it
used={x for n in g.node for x in n.input}|{"input_dq_unread"}
for n in [n for n in g.node if n.op_type=='DequantizeLinear' and n.output[0] not in used]: g.node.remove(n)
used={x for n in g.node for x in n.input}|{"input_dq_unread"}
for t in [t for t in g.initializer if t.name not in used]: g.initializer.remove(t)
onnx.checker.check_model(m); onnx.save(m,sys.argv[2])
