#!/usr/bin/env bash
# End-to-end ingest benchmark: the same Prometheus-like remote-write load (src/test/java/io/promgate/bench/IngestLoad.java) against
# (a) promgate → InfluxDB and (b) InfluxDB 1.x's own /api/v1/prom/write, same InfluxDB, same run;
# then counts what InfluxDB holds and FAILS (exit 1) when what was acknowledged differs from what
# was stored. Runs are interleaved (A B B A ...: each round flips the order) so a shared machine's
# load drifts onto both targets alike; ROUNDS (default 2) rounds per sender count.
#
#   [ROUNDS=2] [PER_REQUEST=2000] scripts/bench-ingest.sh [SECONDS_PER_RUN=20] [SENDERS="8 64 200"] [SERIES=20000]
#   PROMGATE_EXTRA_YML='remote_write: {ha_tracker: {enabled: true, replica_label: container}}' scripts/bench-ingest.sh ...
#     (appends top-level keys to promgate.yml: e.g. every series through the HA tracker, elected)
#
# Prints a markdown table (also written to target/bench-ingest.md) for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
SECS=${1:-20}
SENDERS=${2:-"8 64 200"}
SERIES=${3:-20000}
PER_REQUEST=${PER_REQUEST:-2000}
ROUNDS=${ROUNDS:-2}
ensure_servers

mvn_q() { ./mvnw -B -q -o "$@" >/dev/null 2>&1 || ./mvnw -B -q "$@"; }
if [[ -z ${SKIP_BUILD:-} || ! -f target/bench.cp ]]; then # SKIP_BUILD=1: rerun on the last build
  mvn_q package -DskipTests
  mvn_q test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
fi
CP="target/test-classes:target/classes:$(cat target/bench.cp)"

DIR=$(mktemp -d -t promgate-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
IPORT=$(free_port); RPORT=$(free_port); GPORT=$(free_port)
start_influxd "$DIR/influxdb" "$IPORT" "$RPORT"
IURL="http://127.0.0.1:${IPORT}"
q() { curl -sS -G "$IURL/query" --data-urlencode "db=$1" --data-urlencode "q=$2"; }
curl -sS -XPOST "$IURL/query" --data-urlencode "q=CREATE DATABASE gate" >/dev/null
curl -sS -XPOST "$IURL/query" --data-urlencode "q=CREATE DATABASE own" >/dev/null

cat >"$DIR/promgate.yml" <<CONF
storage:
  influxdb:
    url: ${IURL}
    database: gate
${PROMGATE_EXTRA_YML:-}
CONF
# Through the launcher, with its default JVM flags (JAVA_OPTS and PROMGATE_JAVA_HOME apply).
scripts/promgate --config.file="$DIR/promgate.yml" \
  --web.listen-address="127.0.0.1:${GPORT}" >"$DIR/promgate.log" 2>&1 &
GPID=$!
pids+=($GPID)
wait_http "http://127.0.0.1:${GPORT}/-/ready" 60

cpu_s() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }
rss_mib() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
stored() { # $1 db, $2 metric prefix: how many points InfluxDB holds
  q "$1" "SELECT count(\"value\") FROM /^$2_metric_.*/" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(s["values"][0][1] for s in d["results"][0].get("series",[])))'
}

out=target/bench-ingest.md
{
  echo "| senders | target | samples/s | p50 ms | p99 ms | errors | acked | stored in InfluxDB | promgate CPU s | promgate peak RSS MiB |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$out"
run=0
mismatches=0
for n in $SENDERS; do
  for ((round = 1; round <= ROUNDS; round++)); do
    order="promgate influxdb"
    if ((round % 2 == 0)); then order="influxdb promgate"; fi
    for target in $order; do
      run=$((run + 1))
      prefix="r${run}"
      if [[ $target == promgate ]]; then url="http://127.0.0.1:${GPORT}/api/v1/write"; db=gate; else url="$IURL/api/v1/prom/write?db=own"; db=own; fi
      c0=$(cpu_s "$GPID")
      line=$(java -Xmx2g -cp "$CP" io.promgate.bench.IngestLoad "$url" "$n" "$SECS" "$SERIES" "$PER_REQUEST" "$prefix" | head -1)
      c1=$(cpu_s "$GPID")
      sleep 1
      st=$(stored "$db" "$prefix")
      declare -A m=()
      for kv in $line; do m[${kv%%=*}]=${kv#*=}; done
      cpu="-"; rss="-"
      if [[ $target == promgate ]]; then cpu=$(python3 -c "print(round($c1-$c0,1))"); rss=$(rss_mib "$GPID"); fi
      echo "| $n | $target | ${m[samples_per_s]} | ${m[p50_ms]} | ${m[p99_ms]} | ${m[errors]} | ${m[samples]} | $st | $cpu | $rss |" | tee -a "$out"
      if [[ $st != "${m[samples]}" ]]; then
        echo "MISMATCH: $target acknowledged ${m[samples]} samples but InfluxDB stores $st (run $prefix)" >&2
        mismatches=$((mismatches + 1))
      fi
    done
  done
done
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(influxd version 2>/dev/null | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "promgate: $(tr '\0' ' ' <"/proc/$GPID/cmdline" | sed 's/ --config.file.*//')"
cat "$out"
if ((mismatches > 0)); then
  echo "FAILED: $mismatches run(s) where acknowledged != stored" >&2
  exit 1
fi
