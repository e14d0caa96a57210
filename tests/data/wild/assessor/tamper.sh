#!/bin/bash
# hostile edits on copies of ex1; each re-hashes SHA256SUMS (a consistent forgery) unless said otherwise
cd /tmp/assessor/tamper
Q=/tmp/lead/q19
REC=/work/wt/assessor/examples/fashion-mnist/fashion_cnn.qr
rehash() { (cd "$1" && python3 - <<'PY'
import hashlib
lines=[]
for l in open('SHA256SUMS'):
    h,n=l.rstrip('\n').split(None,1); n2=n.lstrip('*')
    lines.append(hashlib.sha256(open(n2,'rb').read()).hexdigest()+'  '+n)
open('SHA256SUMS','w').write('\n'.join(lines)+'\n')
PY
); }
t() { name=$1; shift; rm -rf $name; cp -a ../ex1 $name; ( cd $name && eval "$@" ); }
v() { name=$1; shift; $Q verify $name "$@" > $name.verify.txt 2>&1; echo "$name rc=$? $(grep -c -i mismatch $name.verify.txt) lines; $(grep -i 'mismatch\|error' $name.verify.txt | head -3 | cut -c1-300)"; }

t T0_naive_md "sed -i 's/| fiq_int8 | 0.908↓/| fiq_int8 | 0.912↓/' logs/PhIMT0003-cnn.md"; v T0_naive_md --recipe $REC --outputs-only
t T1_md_acc "sed -i 's/| fiq_int8 | 0.908↓/| fiq_int8 | 0.912↓/' logs/PhIMT0003-cnn.md"; rehash T1_md_acc; v T1_md_acc --outputs-only
t T2_html_measured "sed -i 's/measured 0.7 pt/measured 0.3 pt/g' logs/PhIMT0003-cnn.html"; rehash T2_html_measured; v T2_html_measured --outputs-only
t T3_docx_responsible "mkdir x && cd x && unzip -q ../logs/PhIMT0002-cnn.docx && sed -i 's/Quantrace example/Mallory/g' word/document.xml && rm ../logs/PhIMT0002-cnn.docx && zip -q -X -r ../logs/PhIMT0002-cnn.docx . && cd .. && rm -rf x"; rehash T3_docx_responsible; v T3_docx_responsible --outputs-only
t T4_results_acc "python3 -c \"import re;s=open('results.json').read();i=s.index('\\\"variant\\\" : \\\"fiq_int8\\\"');j=s.index('\\\"accuracy\\\" : 0.908',i);s=s[:j]+'\\\"accuracy\\\" : 0.912'+s[j+len('\\\"accuracy\\\" : 0.908'):];open('results.json','w').write(s)\""; rehash T4_results_acc; v T4_results_acc --outputs-only
t T5_md_date "sed -i 's/| Date | 2026\/12\/03 |/| Date | 2026\/11\/03 |/' logs/PhIMT0002-cnn.md"; rehash T5_md_date; v T5_md_date --outputs-only
t T6_md_scale "sed -i 's/s = 0.003921569, z = -128/s = 0.003921569, z = -127/' logs/PhIMT0003-cnn.md"; rehash T6_md_scale; v T6_md_scale --outputs-only
t T7_md_reviewer "sed -i 's/| Reviewed by | A. Reviewer |/| Reviewed by | Z. Nobody |/' logs/PhIMT0003-cnn.md"; rehash T7_md_reviewer; v T7_md_reviewer --outputs-only
t T8_userfile "echo hi > notes.txt"; v T8_userfile --outputs-only
t T9_report_verdict "sed -i 's/0.9080/0.9120/g' report.html"; rehash T9_report_verdict; v T9_report_verdict --outputs-only
t T10_md_text "sed -i 's/Dropout passes its input through/Dropout was kept/' logs/PhIMT0002-cnn.md"; rehash T10_md_text; v T10_md_text --outputs-only
t T11_md_environment "sed -i 's/2 CPUs/64 CPUs/g' logs/PhIMT0002-cnn.md"; rehash T11_md_environment; v T11_md_environment --outputs-only
