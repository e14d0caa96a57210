#!/bin/bash
# tamper.sh OUT RECIPE NAME FILE SED-EXPR: copies the output folder OUT to $TMP/NAME, applies SED-EXPR to FILE (relative
# to the folder), recomputes SHA256SUMS as a forger would, and runs verify on the copy (QUANTRACE: the CLI, default ./quantrace).
# A forgery verify does not find ends "0 mismatches".
set -u
out=$1; recipe=$2; name=$3; file=$4; expr=$5
d=${TMP:-/tmp}/tamper/$name; rm -rf "$d"; mkdir -p "$(dirname "$d")"; cp -a "$out" "$d"
before=$(sha256sum "$d/$file" | cut -c1-64)
sed -i -e "$expr" "$d/$file"
[ "$before" = "$(sha256sum "$d/$file" | cut -c1-64)" ] && { echo "$name: the edit changed nothing"; exit 2; }
(cd "$d" && awk '{print $2}' SHA256SUMS > "$d.list" && : > SHA256SUMS.new && while read -r f; do sha256sum "$f" >> SHA256SUMS.new; done < "$d.list" && mv SHA256SUMS.new SHA256SUMS)
result=$(${QUANTRACE:-./quantrace} verify "$d" --recipe "$recipe" 2>/dev/null); rc=$?
echo "$name: exit $rc, $(echo "$result" | tail -1)"
