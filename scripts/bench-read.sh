#!/usr/bin/env bash
# Remote-read benchmark: one data set in one InfluxDB, read back in the same run through
#   (a) InfluxDB 1.x's own /api/v1/prom/read (SAMPLES only, the whole answer built in memory),
#   (b) promgate /api/v1/read SAMPLES, (c) promgate /api/v1/read STREAMED_XOR_CHUNKS,
#   both reading InfluxDB's storage service (remote_read.influxdb_storage_address),
#   and with INFLUXQL=1 also (d) promgate reading through InfluxQL instead, chunks and SAMPLES, and
#   (e) its baseline: the same samples as one bare chunked MessagePack InfluxQL query straight to
#   InfluxDB's /query (SELECT "value" ... GROUP BY *, ReadLoad's "influxql" kind),
# each as one query {__name__=~"bench_metric_.*"} over the whole range. Reports samples/s and the
# peak RSS of promgate and of influxd during each read (VmHWM, reset before each run). Every answer
# is checked after its clock stops: the sample count and a checksum of every (series, time, value)
# must equal what was written, or the script exits 1. Readers are interleaved: each round runs them
# in the order of the round before rotated by one (A B C, B C A, C A B, ...).
#
#   [INFLUXQL=1] [REPEATS=1] scripts/bench-read.sh [SERIES=10000] [HOURS=24] [STEP_S=15] [PROMGATE_HEAP=512m] [ROUNDS=2]
#
# The data (SERIES series x HOURS at STEP_S, counter-like values) is written through promgate's
# remote write. Prints a markdown table (also target/bench-read.md) for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
SERIES=${1:-10000}
HOURS=${2:-24}
STEP_S=${3:-15}
HEAP=${4:-512m}
ROUNDS=${5:-2}
command -v influxd >/dev/null || { echo "needs influxd (apt-get install -y influxdb)" >&2; exit 1; }

bench_build # SKIP_BUILD=1: rerun on the last build

bench_workdir promgate-bench-read
IPORT=$(free_port); RPORT=$(free_port); GPORT=$(free_port); SPORT=$(free_port); QPORT=$(free_port)
start_influxd "$DIR/influxdb" "$IPORT" "$RPORT" "$SPORT"
IPID=${pids[-1]}
IURL="http://127.0.0.1:${IPORT}"
curl -sS -XPOST "$IURL/query" --data-urlencode "q=CREATE DATABASE bench" >/dev/null

cat >"$DIR/promgate.yml" <<CONF
storage:
  influxdb:
    url: ${IURL}
    database: bench
    timeout: 120s
remote_read:
  max_samples_per_query: 2000000000
  max_series_per_query: 1000000
CONF
cp "$DIR/promgate.yml" "$DIR/promgate-influxql.yml"
echo "  influxdb_storage_address: 127.0.0.1:${SPORT}" >>"$DIR/promgate.yml"
# Through the launcher (its flags, its startup cache), with the heap asked for.
JAVA_OPTS="-Xmx${HEAP}" scripts/promgate --config.file="$DIR/promgate.yml" \
  --web.listen-address="127.0.0.1:${GPORT}" >"$DIR/promgate.log" 2>&1 &
GPID=$!
pids+=($GPID)
GURL="http://127.0.0.1:${GPORT}"
wait_http "$GURL/-/ready" 180 || { cat "$DIR/promgate.log" >&2; exit 1; }
READERS="influxdb-own promgate-samples promgate-chunks"
if [[ ${INFLUXQL:-0} == 1 ]]; then
  JAVA_OPTS="-Xmx${HEAP}" scripts/promgate --config.file="$DIR/promgate-influxql.yml" \
    --web.listen-address="127.0.0.1:${QPORT}" >"$DIR/promgate-influxql.log" 2>&1 &
  QPID=$!
  pids+=($QPID)
  QURL="http://127.0.0.1:${QPORT}"
  wait_http "$QURL/-/ready" 60
  READERS="$READERS promgate-influxql-chunks promgate-influxql-samples influxql-bare"
fi
# A/B: BASE_APP=<another build's target/quarkus-app> also starts that build (same flags and
# config) on each path wanted, as the readers base-samples and base-chunks (storage service) and,
# with INFLUXQL=1, base-influxql-chunks and base-influxql-samples, interleaved with the others.
if [[ -n ${BASE_APP:-} ]]; then
  BPORT=$(free_port)
  PROMGATE_APP_DIR=$BASE_APP JAVA_OPTS="-Xmx${HEAP}" scripts/promgate --config.file="$DIR/promgate.yml" \
    --web.listen-address="127.0.0.1:${BPORT}" >"$DIR/promgate-base.log" 2>&1 &
  BPID=$!
  pids+=($BPID)
  BURL="http://127.0.0.1:${BPORT}"
  wait_http "$BURL/-/ready" 180 || { cat "$DIR/promgate-base.log" >&2; exit 1; }
  READERS="$READERS base-samples base-chunks"
  if [[ ${INFLUXQL:-0} == 1 ]]; then
    BQPORT=$(free_port)
    PROMGATE_APP_DIR=$BASE_APP JAVA_OPTS="-Xmx${HEAP}" scripts/promgate --config.file="$DIR/promgate-influxql.yml" \
      --web.listen-address="127.0.0.1:${BQPORT}" >"$DIR/promgate-base-influxql.log" 2>&1 &
    BQPID=$!
    pids+=($BQPID)
    BQURL="http://127.0.0.1:${BQPORT}"
    wait_http "$BQURL/-/ready" 180 || { cat "$DIR/promgate-base-influxql.log" >&2; exit 1; }
    READERS="$READERS base-influxql-chunks base-influxql-samples"
  fi
fi
# READERS_ONLY="a b ..." keeps only those readers (in that order).
READERS=${READERS_ONLY:-$READERS}

SAMPLES=$((HOURS * 3600 / STEP_S))
START=$(( ($(date +%s) - HOURS * 3600 - 3600) / 3600 * 3600 * 1000 ))
END=$((START + (SAMPLES - 1) * STEP_S * 1000))
echo ">> loading $SERIES series x $SAMPLES samples ($((SERIES * SAMPLES)) samples) through promgate" >&2
java -Xmx2g -cp "$CP" io.promgate.bench.ReadLoad load "$GURL/api/v1/write" "$SERIES" "$SAMPLES" "$START" \
  "$((STEP_S * 1000))" 4 | tee "$DIR/load.txt" >&2
read -r _ WRITTEN _ CHECKSUM <"$DIR/load.txt"
# Let InfluxDB write its cache out (the reads then all find the data in TSM files).
sleep 15

cpu_s() { awk '{printf "%.1f", ($14+$15)/100}' "/proc/$1/stat"; }
hwm_mib() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
reset_hwm() { echo 5 >"/proc/$1/clear_refs"; }

out=target/bench-read.md
{
  echo "| reader | samples | series | response MiB | seconds | samples/s | promgate CPU s | promgate peak RSS MiB (before) | influxd CPU s | influxd peak RSS MiB (before) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$out"
mismatches=0
for round in $(seq 1 "$ROUNDS"); do
  # Rotate the order each round (A B C, B C A, C A B, ...): each reader takes each place once every
  # len(READERS) rounds (a plain reversal would leave a middle reader in the middle every round).
  read -r -a list <<<"$READERS"
  shift_by=$(((round - 1) % ${#list[@]}))
  order="${list[*]:shift_by} ${list[*]:0:shift_by}"
  for reader in $order; do
    pg=$GPID
    case $reader in
      influxdb-own) url="$IURL/api/v1/prom/read?db=bench"; kind=samples ;;
      promgate-samples) url="$GURL/api/v1/read"; kind=samples ;;
      promgate-chunks) url="$GURL/api/v1/read"; kind=chunks ;;
      promgate-influxql-chunks) url="$QURL/api/v1/read"; kind=chunks; pg=$QPID ;;
      promgate-influxql-samples) url="$QURL/api/v1/read"; kind=samples; pg=$QPID ;;
      influxql-bare) url="$IURL/query?db=bench"; kind=influxql ;;
      base-samples) url="$BURL/api/v1/read"; kind=samples; pg=$BPID ;;
      base-chunks) url="$BURL/api/v1/read"; kind=chunks; pg=$BPID ;;
      base-influxql-chunks) url="$BQURL/api/v1/read"; kind=chunks; pg=$BQPID ;;
      base-influxql-samples) url="$BQURL/api/v1/read"; kind=samples; pg=$BQPID ;;
    esac
    reset_hwm "$pg"; reset_hwm "$IPID"
    g0=$(cpu_s "$pg"); i0=$(cpu_s "$IPID"); grss=$(rss_mib "$pg"); irss=$(rss_mib "$IPID")
    rc=0
    line=$(java -Xmx6g -cp "$CP" io.promgate.bench.ReadLoad read "$reader" "$url" "$START" "$END" "$kind" \
      "$WRITTEN" "$CHECKSUM" "${REPEATS:-1}") || rc=$?
    if ((rc != 0)); then mismatches=$((mismatches + 1)); fi
    g1=$(cpu_s "$pg"); i1=$(cpu_s "$IPID")
    echo "$line" >&2
    read -r _ samples series bytes secs _ <<<"$line" # secs: the median of REPEATS reads
    python3 - "$reader" "$samples" "$series" "$bytes" "$secs" "$g0" "$g1" "$(hwm_mib "$pg")" "$grss" "$i0" "$i1" "$(hwm_mib "$IPID")" "$irss" "$((${REPEATS:-1} + 1))" >>"$out" <<'PY'
import sys
r, n, s, b, t, g0, g1, gh, gr, i0, i1, ih, ir, reads = sys.argv[1:]
n, t, reads = int(n), float(t), int(reads)  # CPU per read: the warm-up and the repeats, averaged
own = r in ("influxdb-own", "influxql-bare")
gcpu = "–" if own else "%.1f" % ((float(g1) - float(g0)) / reads)
ghwm = "–" if own else "%s (%s)" % (gh, gr)
print("| %s | %d | %s | %.1f | %.3f | %.0f | %s | %s | %.1f | %s (%s) |" % (
    r, n, s, int(b) / 2**20, t, n / t, gcpu, ghwm, (float(i1) - float(i0)) / reads, ih, ir))
PY
  done
done
cat "$out"
if ((mismatches > 0)); then
  echo "FAILED: $mismatches read(s) returned other samples than were written" >&2
  exit 1
fi
