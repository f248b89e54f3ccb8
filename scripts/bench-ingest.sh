#!/usr/bin/env bash
# End-to-end ingest benchmark: the same Prometheus-like remote-write load (src/test/java/io/promgate/bench/IngestLoad.java) against
# (a) promgate → InfluxDB and (b) InfluxDB 1.x's own /api/v1/prom/write, same InfluxDB, same run;
# then counts what InfluxDB holds and FAILS (exit 1) when what was acknowledged differs from what
# was stored. Runs are interleaved (A B, B A, ...: each round rotates the order) so a shared machine's
# load drifts onto both targets alike; ROUNDS (default 2) rounds per sender count.
#
#   [ROUNDS=2] [PER_REQUEST=2000] scripts/bench-ingest.sh [SECONDS_PER_RUN=20] [SENDERS="8 64 200"] [SERIES=20000]
#   PROMGATE_EXTRA_YML='remote_write: {ha_tracker: {enabled: true, replica_label: container}}' scripts/bench-ingest.sh ...
#     (appends top-level keys to promgate.yml: e.g. every series through the HA tracker, elected)
#   PROMGATE_B_EXTRA_YML='...' scripts/bench-ingest.sh ...
#     adds a second promgate ("promgate-b", its own database) with those keys as a third target, in
#     the same interleaved rounds: an A/B of one config change, end to end (e.g. the HA tracker off
#     in promgate, on in promgate-b)
#   PROMGATE_B_APP_DIR=/tmp/base/quarkus-app scripts/bench-ingest.sh ...
#     the same third target, started from another build (e.g. the previous commit's
#     target/quarkus-app copied aside): before/after of a code change in one run
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

bench_build # SKIP_BUILD=1: rerun on the last build

bench_workdir promgate-bench

IPORT=$(free_port); RPORT=$(free_port); GPORT=$(free_port)
start_influxd "$DIR/influxdb" "$IPORT" "$RPORT"
IURL="http://127.0.0.1:${IPORT}"
q() { curl -sS -G "$IURL/query" --data-urlencode "db=$1" --data-urlencode "q=$2"; }
curl -sS -XPOST "$IURL/query" --data-urlencode "q=CREATE DATABASE gate" >/dev/null
curl -sS -XPOST "$IURL/query" --data-urlencode "q=CREATE DATABASE own" >/dev/null
curl -sS -XPOST "$IURL/query" --data-urlencode "q=CREATE DATABASE gate_b" >/dev/null

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
TARGETS="promgate influxdb"
if [[ -n ${PROMGATE_B_EXTRA_YML:-} || -n ${PROMGATE_B_APP_DIR:-} ]]; then
  BPORT=$(free_port)
  printf 'storage:\n  influxdb:\n    url: %s\n    database: gate_b\n%s\n' "$IURL" "${PROMGATE_B_EXTRA_YML:-${PROMGATE_EXTRA_YML:-}}" >"$DIR/promgate-b.yml"
  PROMGATE_APP_DIR=${PROMGATE_B_APP_DIR:-$PWD/target/quarkus-app} scripts/promgate --config.file="$DIR/promgate-b.yml" \
    --web.listen-address="127.0.0.1:${BPORT}" >"$DIR/promgate-b.log" 2>&1 &
  BPID=$!
  pids+=($BPID)
  wait_http "http://127.0.0.1:${BPORT}/-/ready" 60
  TARGETS="promgate promgate-b influxdb"
fi

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
    # Rotate the order each round (A B C, B C A, C A B, ...): with two targets that is A B, B A;
    # with three, each target takes each place once every three rounds (a plain reversal would
    # leave the middle one in the middle every round).
    read -r -a list <<<"$TARGETS"
    shift_by=$(((round - 1) % ${#list[@]}))
    order="${list[*]:shift_by} ${list[*]:0:shift_by}"
    for target in $order; do
      run=$((run + 1))
      prefix="r${run}"
      pid=$GPID
      case $target in
        promgate) url="http://127.0.0.1:${GPORT}/api/v1/write"; db=gate ;;
        promgate-b) url="http://127.0.0.1:${BPORT}/api/v1/write"; db=gate_b; pid=$BPID ;;
        influxdb) url="$IURL/api/v1/prom/write?db=own"; db=own ;;
      esac
      c0=$(cpu_s "$pid")
      line=$(java -Xmx2g -cp "$CP" io.promgate.bench.IngestLoad "$url" "$n" "$SECS" "$SERIES" "$PER_REQUEST" "$prefix" | head -1)
      c1=$(cpu_s "$pid")
      sleep 1
      st=$(stored "$db" "$prefix")
      declare -A m=()
      for kv in $line; do m[${kv%%=*}]=${kv#*=}; done
      cpu="-"; rss="-"
      if [[ $target != influxdb ]]; then cpu=$(python3 -c "print(round($c1-$c0,1))"); rss=$(rss_mib "$pid"); fi
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
