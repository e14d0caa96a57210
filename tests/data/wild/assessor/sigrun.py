import signal, os, sys, subprocess, time
# start the CLI with SIGINT at its default disposition (a background job of a non-interactive shell ignores it)
out, err = open(sys.argv[1], 'w'), open(sys.argv[2], 'w')
pat, sig = sys.argv[3], getattr(signal, sys.argv[4])
p = subprocess.Popen(sys.argv[5:], stdout=out, stderr=err, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
t0 = time.time()
while p.poll() is None and time.time() - t0 < 300:
    if pat in open(sys.argv[2]).read():
        time.sleep(0.3); p.send_signal(sig); print('sent', sig, 'after', round(time.time() - t0, 1), 's'); break
    time.sleep(0.2)
print('rc', p.wait())
