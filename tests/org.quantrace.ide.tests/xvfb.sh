#!/usr/bin/env bash
# Starts a private X server (Xvfb) for the workbench tests when the build has no DISPLAY (pom.xml, profile
# "xvfb"), writes its display to DIR/xvfb.properties for the test JVM, and stops it when Maven exits.
set -euo pipefail
dir="$1"
mkdir -p "$dir"
if ! command -v Xvfb >/dev/null 2>&1; then
  echo "The workbench tests need an X display: set DISPLAY, or install Xvfb and GTK 3 (Debian: apt-get install xvfb libgtk-3-0)," \
       "or leave them out with -Dquantrace.skipUITests" >&2
  exit 1
fi
rm -f "$dir/display" "$dir/xvfb.properties"
maven=$PPID
# -displayfd: the server takes a free display and writes its number; the watchdog ends it with the build
(
  Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$dir/display" 2>"$dir/xvfb.log" &
  xvfb=$!
  echo "$xvfb" > "$dir/xvfb.pid"
  while kill -0 "$maven" 2>/dev/null && kill -0 "$xvfb" 2>/dev/null; do sleep 2; done
  kill "$xvfb" 2>/dev/null || true
) </dev/null >/dev/null 2>&1 &
for _ in $(seq 1 150); do
  [ -s "$dir/display" ] && break
  sleep 0.1
done
if [ ! -s "$dir/display" ]; then
  echo "Xvfb did not start: $(cat "$dir/xvfb.log" 2>/dev/null)" >&2
  exit 1
fi
echo "xvfb.display=:$(tr -d '[:space:]' < "$dir/display")" > "$dir/xvfb.properties"
echo "Workbench tests on Xvfb display :$(tr -d '[:space:]' < "$dir/display")"
