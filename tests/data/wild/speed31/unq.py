# unq.py IN OUT TENSOR...: remove the QuantizeLinear or DequantizeLinear that writes each TENSOR and let its readers read
# that node's input (float data moves on through Reshape/Transpose; a hand-made float island)
import onnx,sys
m=onnx.load(sys.argv[1]); g=m.graph
for t in sys.argv[3:]:
    n=[n for n in g.node if t in n.output and n.op_type in('QuantizeLinear','DequantizeLinear')]
    assert len(n)==1,(t,n); n=n[0]; src=n.input[0]
    g.node.remove(n)
    for r in g.node:
        for i,x in enumerate(r.input):
            if x==t: r.input[i]=src
    assert t not in [o.name for o in g.output]
onnx.checker.check_model(m); onnx.save(m,sys.argv[2])
