import onnx, sys
a=onnx.load(sys.argv[1]); b=onnx.load(sys.argv[2])
for m in (a,b): m.producer_version=''; m.producer_name=''; del m.metadata_props[:]
print('same graph' if a.graph.SerializeToString()==b.graph.SerializeToString() and a.SerializeToString()==b.SerializeToString() else 'DIFFERENT')
