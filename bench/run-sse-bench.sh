#!/usr/bin/env bash
# SSE propagation: EventPropagation with 1,000 and then 100 subscribers, changes every 20 ms, then
# 1,000 subscribers with a change every 200 ms; 3 runs each (medians over runs, because the machine
# is shared). Keeps everything under bench/results/<UTC stamp>-sse/:
# sse-<N>c-<interval>ms.json (every run plus medians), .txt (the summary), each run's server log,
# machine info and the load average sampled every 10 s.
#
#   bench/run-sse-bench.sh [extra EventPropagation args...]      e.g.  --events 300
#
# Build first:  ./mvnw -B -q -pl bench -am package -DskipTests
#               (builds bench/target/benchmarks.jar and server/target/rollgate.jar + lib/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. .mvn/find-jdk.sh
JAVA_HOME="$(rollgate_find_jdk)" || exit 1
java="$JAVA_HOME/bin/java"
for f in bench/target/benchmarks.jar server/target/rollgate.jar; do
  [[ -f "$f" ]] || { echo "missing $f; build with ./mvnw -B -q -pl bench -am package -DskipTests" >&2; exit 2; }
done

# 1,000 sockets on each side, plus the JVMs' own files: the usual soft limit of 1024 is too low.
# Raising the soft limit up to the hard limit needs no privilege; the server process inherits it.
if (( $(ulimit -n) < 4096 )); then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  ulimit -n 65536 2>/dev/null || true
fi

out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-sse"
mkdir -p "$out"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort | uniq -c | xargs)"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel: $(uname -r)"
  echo "java: $("$java" -version 2>&1 | sed -n 2p)"
  echo "open-file limit: $(ulimit -n)"
  echo "git: $(git rev-parse --short HEAD) $(git status --porcelain --untracked-files=no | grep -q . && echo '(uncommitted changes)' || true)"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"
cat "$out/machine.txt"

( while sleep 10; do echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)"; done ) > "$out/loadavg.txt" &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true' EXIT

status=0
run() {
  "$java" -Xmx2g -cp bench/target/benchmarks.jar io.rollgate.bench.EventPropagation --runs 3 --out "$out" "$@" \
    || status=$?
}
run --clients 1000 "$@"
run --clients 100 "$@"
run --clients 1000 --interval-ms 200 --events 150 "$@"
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
echo "results in $out"
exit "$status"
