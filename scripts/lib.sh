# Shared by scripts/*.sh: find or install the real servers promgate works with.
# shellcheck shell=bash

# Installs the Debian packages promgate's scripts and tests run for real, when a binary is missing
# and we may (root + apt): InfluxDB, Prometheus + promtool, Alertmanager, node_exporter (the demo's
# topology and its end-to-end test) and Chromium + ChromeDriver (the UI's browser tests).
ensure_servers() {
  local missing=() bin pkg
  local -A package_of=(
    [influxd]=influxdb [prometheus]=prometheus [promtool]=prometheus
    [prometheus-alertmanager]=prometheus-alertmanager [prometheus-node-exporter]=prometheus-node-exporter
    [chromium]=chromium [chromedriver]=chromium-driver
  )
  for bin in influxd prometheus promtool prometheus-alertmanager prometheus-node-exporter chromium chromedriver; do
    pkg=${package_of[$bin]}
    if ! command -v "$bin" >/dev/null 2>&1 && [[ " ${missing[*]} " != *" $pkg "* ]]; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo ">> installing ${missing[*]} (Debian packages)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    # The packages' own services stay down: promgate's scripts start private instances.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "promgate needs ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' (or set PROMGATE_TEST_INFLUXDB_URL)" >&2
    return 1
  fi
}

# Waits until URL answers 2xx, up to $2 seconds.
wait_http() {
  local url=$1 secs=${2:-30}
  for ((i = 0; i < secs * 10; i++)); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $url" >&2
  return 1
}

# Starts a private influxd with its data in $1 on HTTP port $2 and RPC port $3 (loopback only);
# appends its pid to the caller's pids array and waits for /ping.
# start_influxd DIR HTTP_PORT RPC_PORT [STORAGE_PORT]: STORAGE_PORT enables InfluxDB 1.6's storage
# service ([ifql]) there, which promgate's remote read uses (remote_read.influxdb_storage_address).
start_influxd() {
  local dir=$1 http=$2
  influxd_config "$@"
  influxd run -config "$dir/influxdb.conf" >"$dir/influxdb.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:${http}/ping" 30
}

# influxd_config DIR HTTP_PORT RPC_PORT [STORAGE_PORT]: writes DIR/influxdb.conf for start_influxd
# (scripts/demo.sh starts influxd itself, in its own session).
influxd_config() {
  local dir=$1 http=$2 rpc=$3 storage=${4:-}
  mkdir -p "$dir"
  cat >"$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:${rpc}"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${http}"
  log-enabled = false
[logging]
  level = "warn"
CONF
  if [[ -n $storage ]]; then
    printf '[ifql]\n  enabled = true\n  bind-address = "127.0.0.1:%s"\n  log-enabled = false\n' "$storage" >>"$dir/influxdb.conf"
  fi
}

# ---- benchmarks (scripts/bench-*.sh)

# Maven, quiet: offline first, online only when an artifact is missing.
mvn_q() { ./mvnw -B -q -o "$@" >/dev/null 2>&1 || ./mvnw -B -q "$@"; }

# Builds the jar and the test classpath (target/bench.cp) the load generators run on, unless
# SKIP_BUILD=1 and a build exists (rerun on the last build); sets CP.
bench_build() {
  if [[ -z ${SKIP_BUILD:-} || ! -f target/bench.cp ]]; then
    mvn_q package -DskipTests
    mvn_q test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
      -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
  fi
  CP="target/test-classes:target/classes:$(cat target/bench.cp)"
}

# A temp dir DIR for one run (mktemp template prefix $1); on exit every pid added to the array
# pids is killed and DIR removed.
bench_workdir() {
  DIR=$(mktemp -d -t "$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$DIR"
}

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
