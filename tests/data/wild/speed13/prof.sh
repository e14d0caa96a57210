#!/bin/bash
# prof.sh TAG [--nodes] MODEL... : one-thread CPU time per batch of 64, models alternating (org.quantrace.measure.Profile)
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; CP="/tmp/unseen12/measure:/tmp/s13/plugins/*"
tag=$1; shift; o=/tmp/s13/prof/$tag; mkdir -p $o
$J --enable-native-access=ALL-UNNAMED -cp "$CP" org.quantrace.measure.Profile /tmp/unseen12/t64.npy /tmp/unseen12/t64-labels.npy $o --batch 64 --runs ${RUNS:-30} --chunk 10 --threads 1 "$@" 2>&1 | grep -v WARN | tee $o/summary.txt
