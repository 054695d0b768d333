#!/usr/bin/env bash
# JMH benchmarks of netty-tls's hot paths, with allocation per operation (-prof gc).
#
#   benchmarks/run-jmh.sh                 # all of them (about 5 minutes on 2 cores)
#   benchmarks/run-jmh.sh SniBenchmark    # those matching a regular expression
#
# Builds the benchmarks jar (offline: the dependencies must be in ~/.m2, as after any `mvn verify`),
# runs JMH with -prof gc, and prints a Markdown table (ops/s, allocated bytes per op) that it also
# writes to benchmarks/target/jmh-results.md; the raw JSON is benchmarks/target/jmh-results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -o -pl benchmarks -am package -DskipTests
out=benchmarks/target
java -jar "$out/benchmarks.jar" -prof gc -rf json -rff "$out/jmh-results.json" "$@" > "$out/jmh-output.txt"
python3 benchmarks/jmh-table.py "$out/jmh-results.json" | tee "$out/jmh-results.md"
