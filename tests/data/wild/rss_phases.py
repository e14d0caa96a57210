#!/usr/bin/python3
"""rss_phases.py OUT CMD...: runs CMD under GNU time (QUANTRACE_PROGRESS=plain), timestamps its stderr lines (the progress lines)
and samples the resident memory (VmRSS) of its processes every 0.25 s. Prints and writes OUT.log: for each stretch between two
stderr lines, its peak RSS ("after: LINE" names the line the stretch follows), then GNU time's wall time and peak. With JSTAT=1
it also samples the JVM's heap (jstat -gc: committed and used) every 2 s, so that RSS minus the committed heap shows what
ONNX Runtime and the JVM's own structures hold. OUT.stdout gets CMD's output.
Example: JSTAT=1 tests/data/wild/rss_phases.py /tmp/q32 ./quantrace quantize convnext.onnx --scheme fiq-int8 --data calib32.npy -o /tmp/q32.onnx"""
import subprocess, sys, time, threading, os
out = sys.argv[1]; cmd = ["/usr/bin/time", "-f", "GNUTIME wall %e s, peak %M KB"] + sys.argv[2:]
t0 = time.time()
p = subprocess.Popen(cmd, stdout=open(out + ".stdout", "w"), stderr=subprocess.PIPE, text=True, env=dict(os.environ, QUANTRACE_PROGRESS="plain"))
events = []
def reader():
    for line in p.stderr:
        events.append((time.time() - t0, "ERR", line.rstrip()))
th = threading.Thread(target=reader); th.start()
def rss_of_tree(pid):
    best = 0
    try:
        kids = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except Exception:
        kids = []
    for k in kids:
        try:
            for l in open(f"/proc/{k}/status"):
                if l.startswith("VmRSS"):
                    best = max(best, int(l.split()[1]))
        except Exception:
            pass
        best = max(best, rss_of_tree(k))
    return best
samples = []
heap = []
def java_pid(pid):
    try:
        kids = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except Exception:
        return None
    for k in kids:
        try:
            if open(f"/proc/{k}/comm").read().strip() == "java":
                return k
        except Exception:
            pass
        j = java_pid(k)
        if j:
            return j
    return None
last = 0
while p.poll() is None:
    r = rss_of_tree(p.pid)
    if r:
        samples.append((time.time() - t0, r))
    if os.environ.get("JSTAT") and time.time() - last > 2:
        last = time.time()
        j = java_pid(p.pid)
        if j:
            try:
                o = subprocess.run([os.environ.get("JSTAT_BIN", "jstat"), "-gc", j], capture_output=True, text=True, timeout=5).stdout.split("\n")
                h = dict(zip(o[0].split(), o[1].split()))
                c = sum(float(h[k]) for k in ("S0C", "S1C", "EC", "OC")) / 1024
                u = sum(float(h[k]) for k in ("S0U", "S1U", "EU", "OU")) / 1024
                heap.append((time.time() - t0, r / 1024, c, u))
            except Exception as e:
                pass
    time.sleep(0.25)
th.join()
with open(out + ".log", "w") as f:
    merged = sorted([(t, "RSS", r) for t, r in samples] + events, key=lambda e: e[0])
    # phases: between ERR lines
    phase = "start"; peak = 0; start = 0.0; rows = []
    for t, kind, v in merged:
        if kind == "ERR":
            rows.append((start, t, peak, phase)); phase = v; peak = 0; start = t
        else:
            peak = max(peak, v)
    rows.append((start, merged[-1][0] if merged else 0, peak, phase))
    for s, e, pk, ph in rows:
        f.write(f"{s:7.1f}-{e:7.1f}s peak {pk/1024:7.0f} MB  after: {ph}\n")
    f.write("\n# heap: t rss committed used (MB)\n")
    for t, r, c, u in heap:
        f.write(f"{t:7.1f} rss {r:6.0f} heap committed {c:6.0f} used {u:6.0f} -> rest {r - c:6.0f}\n")
    f.write("\n# samples\n")
    for t, r in samples:
        f.write(f"{t:.2f} {r}\n")
print(open(out + ".log").read().split("\n# heap")[0])
print([e[2] for e in events if e[2].startswith("GNUTIME")])
