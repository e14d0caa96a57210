"""Do the md, html and docx of each log hold the same table rows?  python3 compare.py OUTDIR"""
import sys, glob, os, difflib
sys.path.insert(0, os.path.dirname(__file__))
from formats import *
out = sys.argv[1]; bad = 0
for md in sorted(glob.glob(out + '/logs/*.md')):
    base = md[:-3]
    a = md_rows(md); b = html_rows(base + '.html'); c = docx_rows(base + '.docx')
    strip = lambda r: r[:-1] if len(r) > 1 and r[-1] == '' else r
    a = [strip(r) for r in a]; b = [strip(r) for r in b]; c = [strip(r) for r in c]
    A = ['|'.join(r) for r in a]; B = ['|'.join(r) for r in b]; C = ['|'.join(r) for r in c]
    for name, X in (('html', B), ('docx', C)):
        d = [l for l in difflib.unified_diff(A, X, 'md', name, n=0, lineterm='') if not l.startswith('@@')]
        print(f'{os.path.basename(base)}: md {len(A)} rows, {name} {len(X)} rows, {len(d)//2 if d else 0} differing')
        for l in d[:40]: print('   ', l[:400])
        bad += bool(d)
sys.exit(1 if bad else 0)
