#!/usr/bin/env bash
# Fixed-body ingest benchmark with wrk: CONNECTIONS connections posting remote-write requests of
# SERIES series × SAMPLES samples (snappy protobuf 1.0, Content-Encoding: snappy,
# X-Prometheus-Remote-Write-Version: 0.1.0) to promgate's /api/v1/write and to InfluxDB 1.x's own
# /api/v1/prom/write, same InfluxDB, interleaved (each round rotates the order: A B, B A, ...).
# Bodies: BODIES pre-built requests (io.promgate.bench.WriteBodies) with the same series and
# successive timestamp windows; each connection rotates through them, so a run rewrites the same
# BODIES × SERIES × SAMPLES points over and over (as a fixed-body check does). Each run starts on
# an empty database and FAILS the script (exit 1) when what InfluxDB holds afterwards is not
# exactly those points (count and sum of values), or when anything was answered non-2xx.
# promgate is started through scripts/promgate with its default JVM flags (-Xmx256m).
#
#   [ROUNDS=3] [BODIES=8] [CONNECTIONS=16] scripts/bench-ingest-wrk.sh [SECONDS_PER_RUN=20] [SERIES=500] [SAMPLES=4]
#   PROMGATE_B_APP_DIR=/tmp/base/quarkus-app scripts/bench-ingest-wrk.sh ...
#     adds a second promgate ("promgate-b", its own database) started from another build (e.g. the
#     previous commit's target/quarkus-app copied aside) as a third target in the same rounds
#   PROMGATE_EXTRA_YML='storage: ...' appends to promgate.yml (both promgates)
#
# Prints a markdown table (also written to target/bench-ingest-wrk.md): per run, then medians.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
SECS=${1:-20}
SERIES=${2:-500}
SAMPLES=${3:-4}
ROUNDS=${ROUNDS:-3}
BODIES=${BODIES:-8}
CONNECTIONS=${CONNECTIONS:-16}
ensure_servers
command -v wrk >/dev/null 2>&1 || { echo "bench-ingest-wrk needs wrk (apt-get install -y wrk)" >&2; exit 1; }

bench_build # SKIP_BUILD=1: rerun on the last build

bench_workdir promgate-wrkbench

read -r POINTS_KV SUM_KV BYTES_KV < <(java -cp "$CP" io.promgate.bench.WriteBodies "$DIR/bodies" "$BODIES" "$SERIES" "$SAMPLES" wrk)
POINTS=${POINTS_KV#points=}; SUM=${SUM_KV#sum=}; BODY_BYTES=${BYTES_KV#bytes=}

IPORT=$(free_port); RPORT=$(free_port); GPORT=$(free_port)
start_influxd "$DIR/influxdb" "$IPORT" "$RPORT"
IURL="http://127.0.0.1:${IPORT}"
q() { curl -sS -G "$IURL/query" --data-urlencode "db=$1" --data-urlencode "q=$2"; }
qpost() { curl -sS -XPOST "$IURL/query" --data-urlencode "q=$1" >/dev/null; }
for db in gate gate_b own; do qpost "CREATE DATABASE $db"; done

start_gate() { # $1 name, $2 port, $3 database, $4 app dir
  printf 'storage:\n  influxdb:\n    url: %s\n    database: %s\n%s\n' "$IURL" "$3" "${PROMGATE_EXTRA_YML:-}" >"$DIR/$1.yml"
  PROMGATE_APP_DIR=$4 scripts/promgate --config.file="$DIR/$1.yml" \
    --web.listen-address="127.0.0.1:$2" >"$DIR/$1.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$2/-/ready" 60
}
start_gate promgate "$GPORT" gate "$PWD/target/quarkus-app"
GPID=$(pgrep -n -f "web.listen-address=127.0.0.1:${GPORT}")
TARGETS="promgate influxdb"
if [[ -n ${PROMGATE_B_APP_DIR:-} ]]; then
  BPORT=$(free_port)
  start_gate promgate-b "$BPORT" gate_b "$PROMGATE_B_APP_DIR"
  BPID=$(pgrep -n -f "web.listen-address=127.0.0.1:${BPORT}")
  TARGETS="promgate promgate-b influxdb"
fi

url_of() {
  case $1 in
    promgate) echo "http://127.0.0.1:${GPORT}/api/v1/write" ;;
    promgate-b) echo "http://127.0.0.1:${BPORT}/api/v1/write" ;;
    influxdb) echo "$IURL/api/v1/prom/write?db=own" ;;
  esac
}
db_of() { case $1 in promgate) echo gate ;; promgate-b) echo gate_b ;; influxdb) echo own ;; esac; }
pid_of() { case $1 in promgate) echo "$GPID" ;; promgate-b) echo "$BPID" ;; *) echo "" ;; esac; }
stored() { # $1 db → "count sum" of the wrk_ points InfluxDB holds
  q "$1" 'SELECT count("value"), sum("value") FROM /^wrk_metric_.*/' | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = s = 0
for x in d["results"][0].get("series", []):
    c += x["values"][0][1]; s += x["values"][0][2]
print(c, "%.2f" % s)'
}
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.1f", v}'; }
cpu_s() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }

# Warm-up (JIT, connections, InfluxDB's series index): a short run per target, not counted.
for t in $TARGETS; do
  BODY_DIR="$DIR/bodies" BODIES=$BODIES wrk -t2 -c"$CONNECTIONS" -d5s -s scripts/bench-ingest-wrk.lua "$(url_of "$t")" >/dev/null
done

out=target/bench-ingest-wrk.md
{
  echo "| round | target | req/s | samples/s | p50 ms | p99 ms | max ms | acked | non-2xx | stored = expected | promgate CPU s |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"
} >"$out"
failures=0
declare -A R
for ((round = 1; round <= ROUNDS; round++)); do
  read -r -a list <<<"$TARGETS"
  shift_by=$(((round - 1) % ${#list[@]}))
  for t in ${list[*]:shift_by} ${list[*]:0:shift_by}; do
    db=$(db_of "$t")
    qpost "DROP DATABASE $db"
    qpost "CREATE DATABASE $db"
    pid=$(pid_of "$t")
    c0=0; [[ -n $pid ]] && c0=$(cpu_s "$pid")
    res=$(BODY_DIR="$DIR/bodies" BODIES=$BODIES wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" --timeout 30s --latency \
      -s scripts/bench-ingest-wrk.lua "$(url_of "$t")")
    cpu="-"; [[ -n $pid ]] && cpu=$(python3 -c "print(round($(cpu_s "$pid")-$c0,1))")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$res")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$res" | to_ms)
    p99=$(awk '$1 == "99%" {print $2}' <<<"$res" | to_ms)
    max=$(awk '$1 == "Latency" && $2 != "Distribution" {print $4}' <<<"$res" | to_ms)
    acked=$(sed -n 's/^acked=\([0-9]*\) failed=.*/\1/p' <<<"$res")
    failed=$(sed -n 's/^acked=[0-9]* failed=\([0-9]*\)/\1/p' <<<"$res")
    sps=$(python3 -c "print(round($rps * $SERIES * $SAMPLES))")
    sleep 1
    read -r cnt sum < <(stored "$db")
    ok="yes ($cnt)"
    if [[ $cnt != "$POINTS" || $sum != "$SUM" || $failed != 0 ]]; then
      ok="**NO**: $cnt points, sum $sum (expected $POINTS, $SUM)"
      echo "MISMATCH: $t round $round: stored $cnt points sum $sum, expected $POINTS sum $SUM; non-2xx $failed" >&2
      failures=$((failures + 1))
    fi
    echo "| $round | $t | $rps | $sps | $p50 | $p99 | $max | $acked | $failed | $ok | $cpu |" | tee -a "$out"
    R[$t]+="$rps $p50 $p99;"
  done
done
median() { python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print("%g (%g–%g)" % (round(statistics.median(v), 1), min(v), max(v)))' "$@"; }
{
  echo
  echo "| target | req/s median (range) | samples/s median | p50 ms median (range) | p99 ms median (range) |"
  echo "|---|---:|---:|---:|---:|"
  for t in $TARGETS; do
    IFS=';' read -r -a runs <<<"${R[$t]}"
    rps=() p50=() p99=()
    for r in "${runs[@]}"; do read -r a b c <<<"$r"; rps+=("$a"); p50+=("$b"); p99+=("$c"); done
    m=$(python3 -c 'import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:])))' "${rps[@]}")
    echo "| $t | $(median "${rps[@]}") | $((m * SERIES * SAMPLES)) | $(median "${p50[@]}") | $(median "${p99[@]}") |"
  done
  echo
  echo "load: $CONNECTIONS connections, wrk -t2, ${SECS}s per run, $ROUNDS rounds; $BODIES bodies of $SERIES series × $SAMPLES samples ($BODY_BYTES bytes snappy), $POINTS distinct points"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(influxd version 2>/dev/null | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "promgate: $(tr '\0' ' ' <"/proc/$GPID/cmdline" | sed 's/ --config.file.*//')"
} | tee -a "$out"
if ((failures > 0)); then
  echo "FAILED: $failures run(s) with non-2xx answers or stored != expected" >&2
  exit 1
fi
