# rtamper.py SRC DST MODE -- copies an output folder and edits its recipe copy as a forger would:
#  edit: a comment added to recipe/recipe.qr, SHA256SUMS (and INVENTORY.sha256 if it lists the file) recomputed
#  edit+trace: the same and the copy's old hash replaced by the new one in every text document
#  missing: recipe/ removed, its lines dropped from SHA256SUMS and INVENTORY.sha256
import sys, shutil, hashlib, os
src, dst, mode = sys.argv[1:4]
shutil.rmtree(dst, ignore_errors=True); shutil.copytree(src, dst, symlinks=True)
def sha(p): return hashlib.sha256(open(p,'rb').read()).hexdigest()
texts = [os.path.join(dst, p) for p in ['trace.xmi', 'results.json', 'report.html']] + \
        [os.path.join(dst, 'logs', p) for p in os.listdir(os.path.join(dst, 'logs')) if p.endswith(('.md', '.html'))]
def rep(a, b):
    for t in texts:
        s = open(t, encoding='utf-8').read()
        if a in s: open(t, 'w', encoding='utf-8').write(s.replace(a, b))
rel = 'recipe/recipe.qr'; f = os.path.join(dst, rel)
inv = os.path.join(dst, 'INVENTORY.sha256'); iold = sha(inv)
if mode.startswith('edit'):
    old = sha(f); open(f, 'a').write('// edited\n'); new = sha(f)
    if mode == 'edit+trace': rep(old, new); rep(old[:12], new[:12])
    lines = [(new + l[64:]) if l.endswith('  ' + rel) else l for l in open(inv).read().splitlines()]
else:
    shutil.rmtree(os.path.join(dst, 'recipe'))
    lines = [l for l in open(inv).read().splitlines() if '  recipe/' not in l]
open(inv, 'w').write('\n'.join(lines) + '\n'); inew = sha(inv); rep(iold, inew)
sums = os.path.join(dst, 'SHA256SUMS'); out = []
for l in open(sums).read().splitlines():
    p = l[66:]
    if os.path.exists(os.path.join(dst, p)): out.append(sha(os.path.join(dst, p)) + '  ' + p)
open(sums, 'w').write('\n'.join(out) + '\n')
print(mode, 'done')
