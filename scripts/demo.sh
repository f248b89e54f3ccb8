#!/usr/bin/env bash
# promgate's main job on one machine: builds promgate, starts a private InfluxDB and a Prometheus
# that scrapes itself and promgate and remote-writes through promgate, then promgate itself.
# Prints the URLs; Ctrl-C stops everything. Ports: PROMGATE_PORT (9201), INFLUX_PORT (8086),
# INFLUX_STORAGE_PORT (8082, InfluxDB's storage service, which promgate's remote read uses),
# PROMETHEUS_PORT (9090); data lives in a temp dir unless PROMGATE_DEMO_DIR is set.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

PROMGATE_PORT=${PROMGATE_PORT:-9201}
INFLUX_PORT=${INFLUX_PORT:-8086}
INFLUX_RPC_PORT=${INFLUX_RPC_PORT:-8088}
INFLUX_STORAGE_PORT=${INFLUX_STORAGE_PORT:-8082}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
DIR=${PROMGATE_DEMO_DIR:-$(mktemp -d -t promgate-demo.XXXXXX)}
mkdir -p "$DIR"

ensure_servers
if [[ ! -f target/quarkus-app/quarkus-run.jar || -n $(find src proto pom.xml -newer target/quarkus-app/quarkus-run.jar -print -quit) ]]; then
  echo ">> building promgate"
  ./mvnw -B -q package -DskipTests
fi
# With a JDK 25+ installed: its AOT cache for a faster start (scripts/aot-cache.sh, once per build).
if [[ ! -s target/quarkus-app/app.aot || -n $(find target/quarkus-app -name '*.jar' -newer target/quarkus-app/app.aot -print -quit) ]]; then
  scripts/aot-cache.sh || echo ">> no AOT cache: promgate starts without it" >&2
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo ">> stopping"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'cleanup; exit 0' INT TERM
trap cleanup EXIT

start_influxd "$DIR/influxdb" "$INFLUX_PORT" "$INFLUX_RPC_PORT" "$INFLUX_STORAGE_PORT"

cat >"$DIR/promgate.yml" <<CONF
storage:
  influxdb:
    url: http://127.0.0.1:${INFLUX_PORT}
    database: prom
remote_read:
  influxdb_storage_address: 127.0.0.1:${INFLUX_STORAGE_PORT}
CONF
scripts/promgate --config.file="$DIR/promgate.yml" \
  --web.listen-address="127.0.0.1:${PROMGATE_PORT}" --web.enable-lifecycle >"$DIR/promgate.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:${PROMGATE_PORT}/-/ready" 60

cat >"$DIR/prometheus.yml" <<CONF
global:
  scrape_interval: 5s
  external_labels: {cluster: demo}
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ['127.0.0.1:${PROMETHEUS_PORT}']}]
  - job_name: promgate
    static_configs: [{targets: ['127.0.0.1:${PROMGATE_PORT}']}]
remote_write:
  - url: http://127.0.0.1:${PROMGATE_PORT}/api/v1/write
remote_read:
  - url: http://127.0.0.1:${PROMGATE_PORT}/api/v1/read
    read_recent: true
CONF
prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/prometheus" \
  --web.listen-address="127.0.0.1:${PROMETHEUS_PORT}" --web.enable-lifecycle >"$DIR/prometheus.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:${PROMETHEUS_PORT}/-/ready" 60

cat <<MSG

promgate demo is running (logs and data in $DIR):
  promgate     http://127.0.0.1:${PROMGATE_PORT}   (/api/v1/write, /api/v1/read, /federate, /metrics, /-/ready)
  Prometheus   http://127.0.0.1:${PROMETHEUS_PORT}   (remote-writes and remote-reads through promgate)
  InfluxDB     http://127.0.0.1:${INFLUX_PORT}   (database "prom")
Try: curl -s 'http://127.0.0.1:${INFLUX_PORT}/query?db=prom&q=SELECT+*+FROM+up+ORDER+BY+time+DESC+LIMIT+3'
     curl -s http://127.0.0.1:${PROMGATE_PORT}/metrics | grep ^promgate_remote_write
     curl -s 'http://127.0.0.1:${PROMGATE_PORT}/federate?match[]=up'    # served from InfluxDB
Ctrl-C stops all three.
MSG
wait -n "${pids[@]}" || true
echo ">> a process exited; see logs in $DIR" >&2
