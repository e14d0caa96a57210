import json,sys,collections
# pnodes.py PROFILE.json [N]: per-node kernel µs per run (sum of dur / runs), largest first
ev=json.load(open(sys.argv[1]))
d=collections.defaultdict(int); cnt=collections.defaultdict(int); op={}
for e in ev:
    if e.get('cat')!='Node' or not e['name'].endswith('_kernel_time'): continue
    n=e['name'][:-len('_kernel_time')]; d[n]+=e['dur']; cnt[n]+=1; op[n]=e.get('args',{}).get('op_name','')
runs=max(cnt.values())
N=int(sys.argv[2]) if len(sys.argv)>2 else 40
for n,v in sorted(d.items(), key=lambda x:-x[1])[:N]:
    print(f"{v/runs:8.0f}  {op[n]:22s} {n}")
print("runs",runs,"total",sum(d.values())/runs)
