#!/bin/bash
# Paths are this session's (/tmp/assessor59-*): the wild run of tf11cls.qr, verified by main's frozen CLI.
# one log edited by hand in one format only, SHA256SUMS recomputed (T1-T3) or not (T4); verify with main's frozen CLI
S=/tmp/assessor59-wild/out; Q=/tmp/lead/q32/quantrace; cd /tmp/assessor59-tamper
resum() { (cd $1 && /usr/bin/python3 - <<'P'
import hashlib
lines = [l.split('  ', 1) for l in open('SHA256SUMS').read().splitlines()]
open('SHA256SUMS', 'w').write(''.join(f"{hashlib.sha256(open(p, 'rb').read()).hexdigest()}  {p}\n" for h, p in lines))
P
); }
for t in T1 T2 T3 T4; do rm -rf $t; cp -a $S $t; done
/usr/bin/python3 - <<'P'
import re, zipfile, shutil
f = 'T1/logs/PhIMT0003-m.md'; s = open(f).read()
s = s.replace('| drq | accuracy drop < 2 pt | 16.1 pt | not met | rejected |', '| drq | accuracy drop < 2 pt | 1.1 pt | met | accepted |'); open(f, 'w').write(s)
shutil.copy(f, 'T4/logs/PhIMT0003-m.md')
f = 'T2/logs/PhIMT0003-m.html'; s = open(f).read(); n = s.count('16.1 pt'); s = s.replace('16.1 pt', '1.1 pt'); open(f, 'w').write(s); print('html replaced', n)
f = 'T3/logs/PhIMT0003-m.docx'; zin = zipfile.ZipFile(f); items = [(i, zin.read(i.filename)) for i in zin.infolist()]; zin.close()
with zipfile.ZipFile(f, 'w') as z:
    for i, b in items:
        if i.filename == 'word/document.xml':
            print('docx replaced', b.count(b'16.1 pt')); b = b.replace(b'16.1 pt', b'1.1 pt')
        z.writestr(i, b)
P
for t in T1 T2 T3; do resum $t; done
for t in T1 T2 T3 T4; do $Q verify $t --recipe /tmp/assessor59-wild/r/tf11cls.qr > $t.verify 2>&1; echo "$t rc=$?"; grep -v '^note' $t.verify | cut -c1-600 | head -8; done
