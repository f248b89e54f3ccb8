#!/usr/bin/env bash
# /federate benchmark: promgate fanning out to 4 shard Prometheus servers (SERIES/4 series each)
# against one Prometheus serving the same SERIES series from its own /federate; same data, same run.
#
#   scripts/bench-federate.sh [SERIES=100000] [SECONDS_PER_RUN=10] [CONNECTIONS="1 4"] [ROUNDS=5]
#
# Data: 100 metric families per shard (the same names on every shard, as in hash-sharded
# Prometheus setups), SERIES/400 series each, 4 labels + job/instance, values a third integers, a
# third few-digit decimals, a third 16-17 digit ratios. A python http.server serves one static
# file per shard; shard k scrapes file k as job bench-k, the single Prometheus scrapes all four,
# so both sides hold exactly the same series (checked before measuring).
# Load: wrk, match[]={__name__=~"bench_.*"}, no Accept-Encoding (uncompressed on both sides);
# ROUNDS alternating runs per target and connection count, so that load from elsewhere on the
# machine hits both sides alike; the table gives the median of the rounds.
# Prints a markdown table (also written to target/bench-federate.md) for BENCHMARKS.md.
#
#   GZIP=1 scripts/bench-federate.sh ...   every scrape sends Accept-Encoding: gzip, as Prometheus
#     does (both sides then compress: Prometheus with Go's default level, promgate with level 1)
#   PROMGATE_B_APP_DIR=/tmp/base/quarkus-app scripts/bench-federate.sh ...   a second promgate from
#     another build (e.g. the previous commit's target/quarkus-app copied aside) as a third target
#     in the same rounds: before/after in one run. The order rotates each round (A B C, B C A, ...).
#   SKIP_BUILD=1: use the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
SERIES=${1:-100000}
SECS=${2:-10}
CONNS=${3:-"1 4"}
ROUNDS=${4:-5}
SHARDS=4
ensure_servers
command -v wrk >/dev/null 2>&1 || { echo "bench-federate needs wrk (apt-get install -y wrk)" >&2; exit 1; }

[[ -n ${SKIP_BUILD:-} ]] || mvn_q package -DskipTests

bench_workdir promgate-fedbench

# ---- data: one exposition file per shard ----
mkdir -p "$DIR/www"
python3 - "$DIR/www" "$SHARDS" "$SERIES" <<'PY'
import random, sys
out, shards, series = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
families = 100
per_family = series // shards // families
rnd = random.Random(7)
for k in range(shards):
    with open(f"{out}/shard-{k}.txt", "w") as f:
        i = 0
        for m in range(families):
            name = f"bench_metric_{m:03d}"
            f.write(f"# TYPE {name} gauge\n")
            for s in range(per_family):
                kind = i % 3
                if kind == 0:
                    v = repr(float(rnd.randrange(1 << 40)))
                elif kind == 1:
                    v = repr(rnd.randrange(100000) / 100)
                else:
                    v = repr(rnd.random() * rnd.randrange(1, 1000))
                f.write(f'{name}{{code="{200 + s % 5}",node="n{k}-{s}",path="/api/v{s % 7}",zone="z{s % 3}"}} {v}\n')
                i += 1
PY
WPORT=$(free_port)
python3 -m http.server "$WPORT" --bind 127.0.0.1 --directory "$DIR/www" >"$DIR/www.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:${WPORT}/shard-0.txt" 30

# ---- 4 shard Prometheus servers and 1 single Prometheus ----
job() { # $1 shard index
  printf '  - job_name: bench-%s\n    metrics_path: /shard-%s.txt\n    static_configs: [{targets: ["127.0.0.1:%s"]}]\n' "$1" "$1" "$WPORT"
}
start_prometheus() { # $1 name, $2 port, $3.. shard indexes to scrape
  local name=$1 port=$2
  shift 2
  mkdir -p "$DIR/$name"
  { printf 'global: {scrape_interval: 30s, scrape_timeout: 20s}\nscrape_configs:\n'; for k in "$@"; do job "$k"; done; } >"$DIR/$name/prometheus.yml"
  prometheus --config.file="$DIR/$name/prometheus.yml" --storage.tsdb.path="$DIR/$name/data" \
    --web.listen-address="127.0.0.1:${port}" >"$DIR/$name/log" 2>&1 &
  pids+=($!)
}
UPSTREAMS=""
for k in $(seq 0 $((SHARDS - 1))); do
  port=$(free_port)
  start_prometheus "shard-$k" "$port" "$k"
  UPSTREAMS+="    - {name: shard-$k, url: \"http://127.0.0.1:${port}\"}"$'\n'
  SHARD_URLS[k]="http://127.0.0.1:${port}"
done
PPORT=$(free_port)
start_prometheus single "$PPORT" $(seq 0 $((SHARDS - 1)))
SINGLE="http://127.0.0.1:${PPORT}"

GPORT=$(free_port)
cat >"$DIR/promgate.yml" <<CONF
federation:
  timeout: 20s
  upstreams:
${UPSTREAMS}
CONF
# shellcheck disable=SC2086 # PROMGATE_JAVA_OPTS: extra JVM flags, e.g. a JFR recording
java ${PROMGATE_JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar --config.file="$DIR/promgate.yml" \
  --web.listen-address="127.0.0.1:${GPORT}" >"$DIR/promgate.log" 2>&1 &
GPID=$!
pids+=($GPID)
PROMGATE="http://127.0.0.1:${GPORT}"
wait_http "$PROMGATE/-/healthy" 60
TARGETS="promgate prometheus"
if [[ -n ${PROMGATE_B_APP_DIR:-} ]]; then
  BPORT=$(free_port)
  # shellcheck disable=SC2086
  java ${PROMGATE_JAVA_OPTS:-} -jar "$PROMGATE_B_APP_DIR/quarkus-run.jar" --config.file="$DIR/promgate.yml" \
    --web.listen-address="127.0.0.1:${BPORT}" >"$DIR/promgate-b.log" 2>&1 &
  BPID=$!
  pids+=($BPID)
  PROMGATE_B="http://127.0.0.1:${BPORT}"
  wait_http "$PROMGATE_B/-/healthy" 60
  TARGETS="promgate promgate-b prometheus"
fi
ENC=()
[[ -n ${GZIP:-} ]] && ENC=(-H "Accept-Encoding: gzip")

MATCH='match%5B%5D=%7B__name__%3D~%22bench_.%2A%22%7D' # {__name__=~"bench_.*"}
lines() { curl -sS "$1/federate?${MATCH}" | grep -vc '^#' || true; }
for u in "${SHARD_URLS[@]}" "$SINGLE"; do wait_http "$u/-/ready" 60; done
echo ">> waiting for every Prometheus to have scraped its targets" >&2
for ((i = 0; i < 120; i++)); do
  if [[ $(lines "$SINGLE") -ge $SERIES && $(lines "$PROMGATE") -ge $SERIES ]]; then break; fi
  sleep 1
done
# Same series on both sides (values and timestamps may differ by a scrape).
labels() { curl -sS "$1/federate?${MATCH}" | grep -v '^#' | sed 's/} .*/}/' | sort; }
if ! cmp -s <(labels "$SINGLE") <(labels "$PROMGATE"); then
  echo "promgate and the single Prometheus do not serve the same series" >&2
  exit 1
fi
if [[ -n ${PROMGATE_B:-} ]] && ! cmp -s <(labels "$SINGLE") <(labels "$PROMGATE_B"); then
  echo "promgate-b and the single Prometheus do not serve the same series" >&2
  exit 1
fi
BYTES_P=$(curl -sS "${ENC[@]}" "$SINGLE/federate?${MATCH}" | wc -c)
BYTES_G=$(curl -sS "${ENC[@]}" "$PROMGATE/federate?${MATCH}" | wc -c)

# warm-up: JIT for promgate, caches for both
for ((i = 0; i < 20; i++)); do
  for u in "$PROMGATE" ${PROMGATE_B:-} "$SINGLE"; do curl -sS "${ENC[@]}" -o /dev/null "$u/federate?${MATCH}"; done
done

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.1f", v}'; }
run() { # $1 url, $2 connections → "rps p50 p99"
  local out
  out=$(wrk -t "$(( $2 < 2 ? 1 : 2 ))" -c "$2" -d "${SECS}s" --timeout 30s --latency "${ENC[@]}" "$1/federate?${MATCH}")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out" | to_ms)
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out" | to_ms)
  echo "$rps $p50 $p99"
}
cpu_s() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }
rss_mib() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

out=target/bench-federate.md
{
  echo "| connections | target | req/s | p50 ms (range) | p99 ms | p50 ratio to Prometheus |"
  echo "|---:|---|---:|---:|---:|---:|"
} >"$out"
median() { python3 -c 'import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 2))' "$@"; }
range() { python3 -c 'import sys; v=[float(x) for x in sys.argv[1:]]; print("%g–%g" % (min(v), max(v)))' "$@"; }
url_of() { case $1 in promgate) echo "$PROMGATE" ;; promgate-b) echo "$PROMGATE_B" ;; prometheus) echo "$SINGLE" ;; esac; }
col() { local i=$1; shift; for x in "$@"; do echo "$x" | cut -d' ' -f"$i"; done; }
for c in $CONNS; do
  declare -A res=()
  for ((r = 0; r < ROUNDS; r++)); do
    read -r -a list <<<"$TARGETS"
    shift_by=$((r % ${#list[@]}))
    for t in ${list[*]:shift_by} ${list[*]:0:shift_by}; do
      res[$t]+="$(run "$(url_of "$t")" "$c");"
    done
  done
  IFS=';' read -r -a pr <<<"${res[prometheus]}"
  # shellcheck disable=SC2046
  p_p50=$(median $(col 2 "${pr[@]}"))
  for t in $TARGETS; do
    IFS=';' read -r -a g <<<"${res[$t]}"
    # shellcheck disable=SC2046
    g_rps=$(median $(col 1 "${g[@]}")); g_p50=$(median $(col 2 "${g[@]}")); g_p99=$(median $(col 3 "${g[@]}"))
    # shellcheck disable=SC2046
    rng=$(range $(col 2 "${g[@]}"))
    case $t in
      prometheus) name="one Prometheus × $SERIES"; ratio="" ;;
      *) name="$t, $SHARDS upstreams × $((SERIES / SHARDS))"; ratio=$(python3 -c "print(round($g_p50/$p_p50, 2) if $p_p50 > 0 else 'n/a')") ;;
    esac
    echo "| $c | $name | $g_rps | $g_p50 ($rng) | $g_p99 | $ratio |" | tee -a "$out"
    echo "rounds (req/s p50 p99), $t: ${g[*]}" >&2
  done
done
{
  echo
  echo "answer: $SERIES series${GZIP:+, gzip}; $BYTES_G bytes from promgate, $BYTES_P bytes from Prometheus; promgate peak RSS $(rss_mib "$GPID") MiB, CPU $(cpu_s "$GPID") s"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1), $(prometheus --version 2>&1 | head -1)"
} | tee -a "$out"
