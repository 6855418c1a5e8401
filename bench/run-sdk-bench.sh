#!/usr/bin/env bash
# SDK evaluation (issue 7): SdkEvaluationBenchmark with -prof gc, 3 forks, then the summary table.
# Keeps everything under bench/results/<UTC stamp>-sdk/: sdk-evaluation.json (JMH), .txt (its
# output), sdk-evaluation-summary.txt, machine info and the load average sampled every 10 s.
#
#   bench/run-sdk-bench.sh [extra JMH args...]      e.g.  -f 1 -wi 2 -i 3
#
# Build first:  ./mvnw -B -q -pl bench -am package -DskipTests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. .mvn/find-jdk.sh
JAVA_HOME="$(rollgate_find_jdk)" || exit 1
java="$JAVA_HOME/bin/java"
[[ -f bench/target/benchmarks.jar ]] || { echo "missing bench/target/benchmarks.jar; build with ./mvnw -B -q -pl bench -am package -DskipTests" >&2; exit 2; }

out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-sdk"
mkdir -p "$out"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort | uniq -c | xargs)"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel: $(uname -r)"
  echo "java: $("$java" -version 2>&1 | sed -n 2p)"
  echo "git: $(git rev-parse --short HEAD) $(git status --porcelain --untracked-files=no | grep -q . && echo '(uncommitted changes)' || true)"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"
cat "$out/machine.txt"

( while sleep 10; do echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)"; done ) > "$out/loadavg.txt" &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true' EXIT

"$java" -jar bench/target/benchmarks.jar SdkEvaluationBenchmark -prof gc \
  -rf json -rff "$out/sdk-evaluation.json" "$@" | tee "$out/sdk-evaluation.txt"
"$java" -cp bench/target/benchmarks.jar io.rollgate.bench.SdkSummary "$out/sdk-evaluation.json" \
  | tee "$out/sdk-evaluation-summary.txt"
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
echo "results in $out"
