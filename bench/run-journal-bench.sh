#!/usr/bin/env bash
# Runs the journal throughput benchmark (JMH) and the latency harness, and keeps everything under
# bench/results/<UTC stamp>/: raw JMH JSON, console logs, latency JSON, machine info and the load
# average sampled every 10 s (the machine is shared; see docs/BENCHMARKS.md).
#
#   bench/run-journal-bench.sh [extra JMH args...]      e.g.  -p dialect=SQLITE
#
# Build first:  ./mvnw -B -q -pl bench -am package -DskipTests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. .mvn/find-jdk.sh
JAVA_HOME="$(rollgate_find_jdk)" || exit 1
java="$JAVA_HOME/bin/java"
jar=bench/target/benchmarks.jar
[[ -f "$jar" ]] || { echo "missing $jar; build it with ./mvnw -B -q -pl bench -am package -DskipTests" >&2; exit 2; }

out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort | uniq -c | xargs)"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel: $(uname -r)"
  echo "filesystem: $(df -T /tmp | awk 'NR==2 {print $2 " on " $1}')"
  echo "java: $("$java" -version 2>&1 | sed -n 2p)"
  echo "git: $(git rev-parse --short HEAD) $(git status --porcelain --untracked-files=no | grep -q . && echo '(uncommitted changes)' || true)"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"
cat "$out/machine.txt"

( while sleep 10; do echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)"; done ) > "$out/loadavg.txt" &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true' EXIT

"$java" -jar "$jar" JournalThroughputBenchmark -rf json -rff "$out/journal-throughput.json" "$@" \
  2>&1 | grep -v '^WARNING: ' | tee "$out/journal-throughput.txt"
"$java" --enable-native-access=ALL-UNNAMED -Xms2g -Xmx2g -cp "$jar" io.rollgate.bench.JournalLatency \
  --json "$out/journal-latency.json" 2>&1 | grep -v '^WARNING: ' | tee "$out/journal-latency.txt"
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
echo "results in $out"
