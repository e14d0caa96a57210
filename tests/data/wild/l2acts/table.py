import re,os
torch={'factinc':0.8211,'siamese':0.7765,'ghostnet':0.8236,'pointnet':0.7232,'effnet':0.8351,'tcn':None,'coatnet':0.8119,'densenet':0.7546,'mixer':0.8303,
'mobilenetv3_constants_opset11':0.8188,'mobilenetv3':0.8599,'mobilenetv2':0.8572,'resnet':0.8446,'vit':0.7983,'unet':0.8643,'bspc_gap':0.9045,'if_cnn':0.7977,'lstm':0.7662,'gru':0.8179}
def acc(path):
    r={}
    if not os.path.exists(path): return r
    for l in open(path):
        m=re.match(r'^(\S+)\s+([01]\.\d{4})',l)
        if m: r[m.group(1)]=float(m.group(2))
    return r
def row(m, base, var):
    a=acc(f'{base}/{m}-eval.txt'); v=acc(f'{var}/{m}-eval.txt')
    fp=a.get(m); mm=a.get(m+'-minmax'); l2=a.get(m+'-l2'); nn=v.get(m+'-nonneg'); rl=v.get(m+'-relu'); t=torch[m]
    f=lambda x:'' if x is None else f'{x:.4f}'
    d=lambda x,y:'' if x is None or y is None else f'{(x-y)*100:+.2f}'
    return f'| {m} | {f(fp)} | {f(t) if t else "—"} | {f(mm)} | {f(l2)} | {f(nn)} | {f(rl)} | {d(l2,mm)} | {d(nn,mm)} | {d(mm,fp)} / {d(l2,fp)} / {d(nn,fp)} | {d(mm,t)} / {d(l2,t)} / {d(nn,t)} |'
print('| model | fp32 | torch PTQ | minmax (default) | l2 | l2, never-negative tensors min-max | l2, Relu/Clip outputs min-max | l2 − minmax | l2-nonneg − minmax | Δ fp32: minmax / l2 / l2-nonneg | Δ torch: minmax / l2 / l2-nonneg |')
print('|---|---|---|---|---|---|---|---|---|---|---|')
for m in ['factinc','siamese','ghostnet','pointnet','effnet','tcn','coatnet','densenet','mixer']: print(row(m,'/tmp/l2acts/u','/tmp/l2acts/uv'))
for m in ['mobilenetv3_constants_opset11','mobilenetv3','mobilenetv2','resnet','vit','unet','bspc_gap','if_cnn','lstm','gru']: print(row(m,'/tmp/l2acts/z','/tmp/l2acts/zv'))
