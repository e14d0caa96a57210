# io8.py FP32 INT8REF OUT: fp32's graph with the int8 file's input DequantizeLinear and output QuantizeLinear (the floor: int8 I/O only)
import onnx,sys
from onnx import helper
f=onnx.load(sys.argv[1]); q=onnx.load(sys.argv[2]); g=f.graph
qi={i.name:i for i in q.graph.initializer}
for n in g.node:
    for i,x in enumerate(n.input):
        if x=='input': n.input[i]='input_f'
    for i,x in enumerate(n.output):
        if x=='logits': n.output[i]='logits_f'
g.node.insert(0, helper.make_node('DequantizeLinear',['input','input_scale','zero_point_int8_-128'],['input_f']))
g.node.append(helper.make_node('QuantizeLinear',['logits_f','logits_scale','zero_point_int8_-5'],['logits']))
for k in ['input_scale','zero_point_int8_-128','logits_scale','zero_point_int8_-5']: g.initializer.append(qi[k])
g.input[0].type.CopyFrom(q.graph.input[0].type); g.output[0].type.CopyFrom(q.graph.output[0].type)
onnx.checker.check_model(f); onnx.save(f,sys.argv[3])
