#!/usr/bin/env bash
# The seed's whole architecture on one machine, with Debian's binaries on loopback ports:
#
#   targets (node_exporter + synthetic) --http_sd /sd/shards/{i}--> 2 shards x HA pair (4 Prometheus)
#   shard replica a --remote_write--> promgate-1 \
#   shard replica b --remote_write--> promgate-2 --> InfluxDB (HA tracker: one copy per series)
#   central Prometheus --scrapes /federate + /metrics, remote-reads--> promgate-1
#   central Prometheus --alerts--> 3 Alertmanagers (one gossip cluster) --> webhook (one line a notification)
#
# Prints a guide and the URLs; Ctrl-C (or SIGTERM) stops everything in dependency order: the
# Prometheus servers (they flush their remote-write queues while promgate still answers), then
# promgate, then InfluxDB, then the rest. README "Two commands" has the picture and the ports.
#
# Ports (each overridable): INFLUX_PORT 8086, INFLUX_RPC_PORT 8088, INFLUX_STORAGE_PORT 8082,
# PROMGATE_PORT 9201, PROMGATE_2_PORT 9202, PROMETHEUS_PORT 9090 (central), SHARD_0A_PORT 9190,
# SHARD_0B_PORT 9191, SHARD_1A_PORT 9192, SHARD_1B_PORT 9193, ALERTMANAGER_{1,2,3}_PORT
# 9093/9094/9095, ALERTMANAGER_{1,2,3}_CLUSTER_PORT 8001/8002/8003, WEBHOOK_PORT 5001,
# NODE_EXPORTER_PORT 9100 (a node_exporter already answering there is used as it is),
# TARGET_PORTS "9301 ... 9314" (the synthetic targets, one port each).
# Intervals: DEMO_SCRAPE_INTERVAL 5s, DEMO_EVALUATION_INTERVAL (= scrape), DEMO_GROUP_WAIT 10s,
# DEMO_GROUP_INTERVAL 1m, DEMO_REPEAT_INTERVAL 5m, DEMO_AM_PEER_TIMEOUT 15s, DEMO_HA_FAILOVER_TIMEOUT
# 30s, DEMO_SHARD_FAILOVER_AFTER 30s.
# PROMGATE_DEMO_HA=0 leaves remote_write.ha_tracker out, PROMGATE_DEMO_FAILOVER=0 leaves
# sharding.shard_urls/failover_after out (for a promgate built without them).
# PROMGATE_DEMO_BUILD=0 uses target/quarkus-app as it is (no rebuild, no startup cache).
# Data and logs: $PROMGATE_DEMO_DIR (else a new temp dir); $PROMGATE_DEMO_DIR/endpoints.json is
# written once everything is ready.
set -euo pipefail
# Started from a non-interactive shell's background job (CI, a test harness), bash ignores SIGINT
# and a script cannot trap a signal ignored on entry: then Ctrl-C/SIGINT to the process group
# would do nothing. Start again (same pid) with SIGINT and SIGTERM at their defaults.
if [[ -z ${PROMGATE_DEMO_SIGNALS:-} ]] && env --default-signal=INT true 2>/dev/null; then
  export PROMGATE_DEMO_SIGNALS=1
  exec env --default-signal=INT,TERM "$BASH" "$0" "$@"
fi
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/lib.sh

INFLUX_PORT=${INFLUX_PORT:-8086}
INFLUX_RPC_PORT=${INFLUX_RPC_PORT:-8088}
INFLUX_STORAGE_PORT=${INFLUX_STORAGE_PORT:-8082}
PROMGATE_PORT=${PROMGATE_PORT:-9201}
PROMGATE_2_PORT=${PROMGATE_2_PORT:-9202}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
SHARD_0A_PORT=${SHARD_0A_PORT:-9190}
SHARD_0B_PORT=${SHARD_0B_PORT:-9191}
SHARD_1A_PORT=${SHARD_1A_PORT:-9192}
SHARD_1B_PORT=${SHARD_1B_PORT:-9193}
ALERTMANAGER_1_PORT=${ALERTMANAGER_1_PORT:-9093}
ALERTMANAGER_2_PORT=${ALERTMANAGER_2_PORT:-9094}
ALERTMANAGER_3_PORT=${ALERTMANAGER_3_PORT:-9095}
ALERTMANAGER_1_CLUSTER_PORT=${ALERTMANAGER_1_CLUSTER_PORT:-8001}
ALERTMANAGER_2_CLUSTER_PORT=${ALERTMANAGER_2_CLUSTER_PORT:-8002}
ALERTMANAGER_3_CLUSTER_PORT=${ALERTMANAGER_3_CLUSTER_PORT:-8003}
WEBHOOK_PORT=${WEBHOOK_PORT:-5001}
NODE_EXPORTER_PORT=${NODE_EXPORTER_PORT:-9100}
read -r -a TARGET_PORTS <<<"${TARGET_PORTS:-$(seq -s ' ' 9301 9314)}"

SCRAPE=${DEMO_SCRAPE_INTERVAL:-5s}
EVALUATION=${DEMO_EVALUATION_INTERVAL:-$SCRAPE}
GROUP_WAIT=${DEMO_GROUP_WAIT:-10s}
GROUP_INTERVAL=${DEMO_GROUP_INTERVAL:-1m}
REPEAT_INTERVAL=${DEMO_REPEAT_INTERVAL:-5m}
PEER_TIMEOUT=${DEMO_AM_PEER_TIMEOUT:-15s}
HA_FAILOVER_TIMEOUT=${DEMO_HA_FAILOVER_TIMEOUT:-30s}
SHARD_FAILOVER_AFTER=${DEMO_SHARD_FAILOVER_AFTER:-30s}

DIR=${PROMGATE_DEMO_DIR:-$(mktemp -d -t promgate-demo.XXXXXX)}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
rm -f "$DIR/endpoints.json" # written again once this run is ready

SHARD_NAMES=(shard-0a shard-0b shard-1a shard-1b)
declare -A PORT_OF=(
  [influxdb]=$INFLUX_PORT [influxdb-rpc]=$INFLUX_RPC_PORT [influxdb-storage]=$INFLUX_STORAGE_PORT
  [promgate-1]=$PROMGATE_PORT [promgate-2]=$PROMGATE_2_PORT [central]=$PROMETHEUS_PORT
  [shard-0a]=$SHARD_0A_PORT [shard-0b]=$SHARD_0B_PORT [shard-1a]=$SHARD_1A_PORT [shard-1b]=$SHARD_1B_PORT
  [alertmanager-1]=$ALERTMANAGER_1_PORT [alertmanager-2]=$ALERTMANAGER_2_PORT [alertmanager-3]=$ALERTMANAGER_3_PORT
  [alertmanager-1-cluster]=$ALERTMANAGER_1_CLUSTER_PORT [alertmanager-2-cluster]=$ALERTMANAGER_2_CLUSTER_PORT
  [alertmanager-3-cluster]=$ALERTMANAGER_3_CLUSTER_PORT [webhook]=$WEBHOOK_PORT [node-exporter]=$NODE_EXPORTER_PORT
)
for i in "${!TARGET_PORTS[@]}"; do PORT_OF[target-$((i + 1))]=${TARGET_PORTS[$i]}; done

# ---- before starting anything: every port free (and distinct), else say which -------------
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
node_exporter_running=false
if listening "$NODE_EXPORTER_PORT" &&
  curl -fsS -m 2 "http://127.0.0.1:${NODE_EXPORTER_PORT}/metrics" 2>/dev/null | grep -q '^node_exporter_build_info'; then
  node_exporter_running=true # this machine's own node_exporter (Debian starts it): scraped as it is
fi
declare -A owner_of=()
for name in "${!PORT_OF[@]}"; do
  port=${PORT_OF[$name]}
  if [[ ! $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    echo "demo: port of $name is \"$port\", not a port number" >&2
    exit 1
  fi
  if [[ -n ${owner_of[$port]:-} ]]; then
    echo "demo: port $port is given to both $name and ${owner_of[$port]}" >&2
    exit 1
  fi
  owner_of[$port]=$name
  if [[ $name == node-exporter && $node_exporter_running == true ]]; then continue; fi
  if listening "$port"; then
    echo "demo: port $port ($name) is already in use on 127.0.0.1; free it or set another port (see the top of scripts/demo.sh)" >&2
    exit 1
  fi
done

ensure_servers
if [[ ${PROMGATE_DEMO_BUILD:-1} != 0 ]]; then
  if [[ ! -f target/quarkus-app/quarkus-run.jar || -n $(find src proto pom.xml -newer target/quarkus-app/quarkus-run.jar -print -quit) ]]; then
    echo ">> building promgate"
    ./mvnw -B -q package -DskipTests
  fi
  # With a JDK 25+ installed: its AOT cache for a faster start (scripts/aot-cache.sh, once per build).
  if [[ ! -s target/quarkus-app/app.aot || -n $(find target/quarkus-app -name '*.jar' -newer target/quarkus-app/app.aot -print -quit) ]]; then
    scripts/aot-cache.sh || echo ">> no AOT cache: promgate starts without it" >&2
  fi
fi
JAVA=java
if [[ -n ${JAVA_HOME:-} ]]; then JAVA=$JAVA_HOME/bin/java; fi

# ---- processes ------------------------------------------------------------------------------
# Each server runs in its own session (setsid), so the Ctrl-C that the terminal sends to the
# demo's process group reaches only this script, which then stops them in order. Each one's
# command line is kept in $DIR/run/NAME, so `kill -USR1 <this script>` can start again whatever
# was stopped (the guide's "stop a shard replica" and back).
mkdir -p "$DIR/run" "$DIR/logs"
declare -A PID_OF=()
ORDER=() # start order

spawn() { # spawn NAME COMMAND...: runs COMMAND in a new session, output to $DIR/logs/NAME.log
  local name=$1
  shift
  {
    printf 'exec'
    printf ' %q' "$@"
    printf ' >>%q 2>&1 </dev/null\n' "$DIR/logs/$name.log"
  } >"$DIR/run/$name"
  start_again "$name"
  ORDER+=("$name")
}

start_again() {
  rm -f "$DIR/run/$1.reported"
  setsid bash "$DIR/run/$1" &
  PID_OF[$1]=$!
  echo "$!" >"$DIR/run/$1.pid"
}

alive() { # a child that exited stays a zombie until waited for: not alive (no subprocess: cheap)
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# stop_tier TENTHS WHAT NAME...: SIGTERM to all of them at once, SIGKILL to any still running
# after TENTHS tenths of a second; returns when all are gone.
stop_tier() {
  local tenths=$1 what=$2 name pid left t0=${EPOCHREALTIME//[.,]/}
  shift 2
  local pids=()
  for name in "$@"; do
    pid=${PID_OF[$name]:-}
    if [[ -n $pid ]] && alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  ((${#pids[@]})) || return 0
  local deadline=$((t0 + tenths * 100000))
  while ((${EPOCHREALTIME//[.,]/} < deadline)); do
    left=0
    for pid in "${pids[@]}"; do if alive "$pid"; then left=1; fi; done
    ((left)) || break
    sleep 0.05
  done
  for name in "$@"; do
    pid=${PID_OF[$name]:-}
    if [[ -n $pid ]] && alive "$pid"; then
      echo ">> $name did not stop within $((tenths / 10)).$((tenths % 10)) s: killed" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  wait "${pids[@]}" 2>/dev/null || true
  echo ">> stopped $what in $(elapsed "$t0") s"
}
elapsed() { # seconds since $1 (an EPOCHREALTIME without its dot), to 0.1 s
  local us=$((${EPOCHREALTIME//[.,]/} - $1))
  printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000))
}

stopping=false
cleanup() {
  $stopping && return
  stopping=true
  trap '' INT TERM USR1 # one orderly stop; a second Ctrl-C does not cut it short
  local t0=${EPOCHREALTIME//[.,]/}
  echo
  # At worst 7 + 4 + 2 + 3 x 1.5 + 1.5 = 19 s; measured: README "Two commands".
  stop_tier 70 "Prometheus servers (their remote-write queues flush into promgate)" central "${SHARD_NAMES[@]}"
  stop_tier 40 promgate promgate-1 promgate-2
  stop_tier 20 InfluxDB influxdb
  # One at a time: an Alertmanager leaving the gossip cluster waits for its peers to hear it,
  # which takes up to 10 s when they are all leaving at the same moment.
  for name in alertmanager-1 alertmanager-2 alertmanager-3; do stop_tier 15 "$name" "$name"; done
  stop_tier 15 "targets and webhook" "${ORDER[@]}"
  rm -f "$DIR/endpoints.json"
  echo ">> stopped in $(elapsed "$t0") s; data and logs stay in $DIR"
}
restart_stopped() {
  local name
  for name in "${ORDER[@]}"; do
    if ! alive "${PID_OF[$name]}"; then
      wait "${PID_OF[$name]}" 2>/dev/null || true
      echo ">> starting $name again"
      start_again "$name"
    fi
  done
}
trap 'cleanup; exit 0' INT TERM
trap cleanup EXIT
trap restart_stopped USR1

# fail NAME MESSAGE: stop what runs, show the tail of NAME's log
fail() {
  echo "demo: $2; the end of $DIR/logs/$1.log:" >&2
  tail -n 20 "$DIR/logs/$1.log" >&2 || true
  exit 1
}
await() { # await NAME URL SECONDS
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if curl -fsS -o /dev/null "$2" 2>/dev/null; then return 0; fi
    alive "${PID_OF[$1]}" || fail "$1" "$1 exited while starting"
    sleep 0.1
  done
  fail "$1" "$1 did not answer $2 within $3 s"
}

url() { echo "http://127.0.0.1:$1"; }

# ---- InfluxDB ---------------------------------------------------------------------------------
influxd_config "$DIR/influxdb" "$INFLUX_PORT" "$INFLUX_RPC_PORT" "$INFLUX_STORAGE_PORT"
spawn influxdb influxd run -config "$DIR/influxdb/influxdb.conf"

# ---- targets: node_exporter and the synthetic ones (+ the webhook receiver, same JVM) --------
if ! $node_exporter_running; then
  mkdir -p "$DIR/node-exporter"
  spawn node-exporter prometheus-node-exporter --web.listen-address="127.0.0.1:${NODE_EXPORTER_PORT}" \
    --collector.textfile.directory="$DIR/node-exporter" --no-collector.systemd
fi
WEBHOOK_LOG=$DIR/notifications.log
target_list=$(IFS=,; echo "${TARGET_PORTS[*]}")
# /shards/{i}/-/ready on the webhook's port: 200 while either replica of shard i is ready, as a
# Kubernetes Service over the pair would answer; promgate's sharding.shard_urls probe it.
spawn demo-servers "$JAVA" -Xmx48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  "$ROOT/scripts/demo/DemoServers.java" --targets "$target_list" --webhook "$WEBHOOK_PORT" "$WEBHOOK_LOG" \
  --pair "0=$(url "$SHARD_0A_PORT"),$(url "$SHARD_0B_PORT")" --pair "1=$(url "$SHARD_1A_PORT"),$(url "$SHARD_1B_PORT")"

# ---- promgate x2 --------------------------------------------------------------------------------
{
  cat <<CONF
# scripts/demo.sh's promgate.yml, read by both promgate replicas. Edit it, then reload both:
#   curl -X POST $(url "$PROMGATE_PORT")/-/reload; curl -X POST $(url "$PROMGATE_2_PORT")/-/reload
storage:
  influxdb:
    url: $(url "$INFLUX_PORT")
    database: prom

remote_read:
  influxdb_storage_address: 127.0.0.1:${INFLUX_STORAGE_PORT}
CONF
  if [[ ${PROMGATE_DEMO_HA:-1} != 0 ]]; then
    cat <<CONF

# Each shard is an HA pair (external labels cluster=shard-i, __replica__=a|b); replica a writes
# through promgate-1, replica b through promgate-2. Both promgates elect the same replica per
# cluster and store its samples once, without __replica__. GET /api/v1/ha shows the election.
remote_write:
  ha_tracker:
    enabled: true
    cluster_label: cluster
    replica_label: __replica__
    failover_timeout: ${HA_FAILOVER_TIMEOUT}
CONF
  fi
  cat <<CONF

# /federate fans out to all four shard Prometheus servers and keeps one copy of each HA pair's
# series (dedup_labels); the central Prometheus scrapes it.
federation:
  source: upstreams
  timeout: 10s
  dedup_labels: [__replica__]
  upstreams:
    - {name: shard-0a, url: $(url "$SHARD_0A_PORT")}
    - {name: shard-0b, url: $(url "$SHARD_0B_PORT")}
    - {name: shard-1a, url: $(url "$SHARD_1A_PORT")}
    - {name: shard-1b, url: $(url "$SHARD_1B_PORT")}

# hashmod(__address__) % 2 splits the targets over the two shards; both replicas of shard i
# scrape what /sd/shards/i lists. GET /api/v1/shards shows the split.
sharding:
  modulus: 2
  source_labels: [__address__]
  job_name: sharded
  scrape_interval: ${SCRAPE}
  sd_refresh_interval: ${SCRAPE}
CONF
  if [[ ${PROMGATE_DEMO_FAILOVER:-1} != 0 ]]; then
    cat <<CONF
  # A shard none of whose replicas has been ready for failover_after lends its targets to the
  # other: each URL answers /-/ready while either replica of the pair does (DemoServers.java).
  shard_urls: [$(url "$WEBHOOK_PORT")/shards/0, $(url "$WEBHOOK_PORT")/shards/1]
  failover_after: ${SHARD_FAILOVER_AFTER}
CONF
  fi
  cat <<CONF
  static_configs:
    - targets: ['127.0.0.1:${NODE_EXPORTER_PORT}']
      labels: {service: node}
    - targets: [$(printf "'127.0.0.1:%s', " "${TARGET_PORTS[@]}" | sed 's/, $//')]
      labels: {service: demo}
CONF
} >"$DIR/promgate.yml"

PROMGATES=("$(url "$PROMGATE_PORT")" "$(url "$PROMGATE_2_PORT")")
spawn promgate-1 "$ROOT/scripts/promgate" --config.file="$DIR/promgate.yml" \
  --web.listen-address="127.0.0.1:${PROMGATE_PORT}" --web.enable-lifecycle
spawn promgate-2 "$ROOT/scripts/promgate" --config.file="$DIR/promgate.yml" \
  --web.listen-address="127.0.0.1:${PROMGATE_2_PORT}" --web.enable-lifecycle

# ---- Alertmanager cluster ---------------------------------------------------------------------
cat >"$DIR/alertmanager.yml" <<CONF
# The seed's route (group_by alertname, cluster), one receiver: the demo's webhook, which appends
# every notification to $WEBHOOK_LOG.
route:
  receiver: webhook
  group_by: [alertname, cluster]
  group_wait: ${GROUP_WAIT}
  group_interval: ${GROUP_INTERVAL}
  repeat_interval: ${REPEAT_INTERVAL}
receivers:
  - name: webhook
    webhook_configs:
      - url: $(url "$WEBHOOK_PORT")/
        send_resolved: true
CONF
AM_PORTS=("$ALERTMANAGER_1_PORT" "$ALERTMANAGER_2_PORT" "$ALERTMANAGER_3_PORT")
AM_CLUSTER_PORTS=("$ALERTMANAGER_1_CLUSTER_PORT" "$ALERTMANAGER_2_CLUSTER_PORT" "$ALERTMANAGER_3_CLUSTER_PORT")
ALERTMANAGERS=()
for i in 0 1 2; do
  peers=()
  for j in 0 1 2; do
    if ((j != i)); then peers+=("--cluster.peer=127.0.0.1:${AM_CLUSTER_PORTS[$j]}"); fi
  done
  mkdir -p "$DIR/alertmanager-$((i + 1))"
  spawn "alertmanager-$((i + 1))" prometheus-alertmanager --config.file="$DIR/alertmanager.yml" \
    --storage.path="$DIR/alertmanager-$((i + 1))" --web.listen-address="127.0.0.1:${AM_PORTS[$i]}" \
    --cluster.listen-address="127.0.0.1:${AM_CLUSTER_PORTS[$i]}" "${peers[@]}" \
    --cluster.peer-timeout="$PEER_TIMEOUT" --cluster.reconnect-timeout=5m
  ALERTMANAGERS+=("$(url "${AM_PORTS[$i]}")")
done

# ---- 2 shards x HA pair -------------------------------------------------------------------------
await influxdb "$(url "$INFLUX_PORT")/ping" 30
await promgate-1 "${PROMGATES[0]}/-/ready" 90
await promgate-2 "${PROMGATES[1]}/-/ready" 90

SHARDS=()
for shard in 0 1; do
  for replica in a b; do
    name=shard-$shard$replica
    var=SHARD_${shard}${replica^^}_PORT
    port=${!var}
    # replica a talks to promgate-1, replica b to promgate-2: the HA tracker must agree across them.
    gate=${PROMGATES[0]}
    if [[ $replica == b ]]; then gate=${PROMGATES[1]}; fi
    cat >"$DIR/$name.yml" <<CONF
# Shard $shard, replica $replica: scrapes what promgate lists at /sd/shards/$shard (the same list
# its twin gets), records the job: aggregates, remote-writes everything through $gate.
global:
  scrape_interval: ${SCRAPE}
  evaluation_interval: ${EVALUATION}
  external_labels:
    shard: "$shard"
    cluster: shard-$shard
    __replica__: $replica
rule_files:
  - $ROOT/deploy/prometheus/shard-rules.yml
scrape_configs:
  - job_name: prometheus # the seed's federation selector {job="prometheus"}
    static_configs: [{targets: ['127.0.0.1:$port']}]
  - job_name: sharded
    http_sd_configs:
      - url: $gate/sd/shards/$shard
        refresh_interval: ${SCRAPE}
remote_write:
  - url: $gate/api/v1/write
CONF
    mkdir -p "$DIR/$name"
    spawn "$name" prometheus --config.file="$DIR/$name.yml" --storage.tsdb.path="$DIR/$name" \
      --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$port" --web.enable-lifecycle
  done
  SHARDS+=("[\"$(url "${PORT_OF[shard-${shard}a]}")\", \"$(url "${PORT_OF[shard-${shard}b]}")\"]")
done

# ---- central Prometheus -----------------------------------------------------------------------
cat >"$DIR/central.yml" <<CONF
# The central Prometheus: federates both shards through promgate-1's /federate (the seed's
# match[] selectors), scrapes both promgates' /metrics, evaluates promgate's alerts, the seed's
# rules and a Watchdog, sends alerts to all three Alertmanagers, reads history through promgate.
global:
  scrape_interval: ${SCRAPE}
  evaluation_interval: ${EVALUATION}
  external_labels:
    prometheus: central
rule_files:
  - $ROOT/deploy/prometheus/promgate-rules.yml
  - $ROOT/deploy/prometheus/central-rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: [$(printf "'127.0.0.1:%s', " "${AM_PORTS[@]}" | sed 's/, $//')]
scrape_configs:
  - job_name: promgate # the job promgate-rules.yml expects
    static_configs: [{targets: ['127.0.0.1:${PROMGATE_PORT}', '127.0.0.1:${PROMGATE_2_PORT}']}]
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params:
      match[]:
        - '{job="prometheus"}'
        - '{__name__=~"job:.*"}'
        - '{__name__=~"node.*"}'
        - 'up{job="sharded"}'
    static_configs: [{targets: ['127.0.0.1:${PROMGATE_PORT}']}]
remote_read:
  - url: ${PROMGATES[0]}/api/v1/read
    read_recent: false
    filter_external_labels: false # the shards' series do not carry prometheus="central"
CONF
mkdir -p "$DIR/central"
spawn central prometheus --config.file="$DIR/central.yml" --storage.tsdb.path="$DIR/central" \
  --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:${PROMETHEUS_PORT}" --web.enable-lifecycle \
  --rules.alert.resend-delay="$EVALUATION" # firing alerts reach Alertmanagers that start after it without a 1 min wait

for name in "${SHARD_NAMES[@]}" central; do await "$name" "$(url "${PORT_OF[$name]}")/-/ready" 60; done
for i in 0 1 2; do await "alertmanager-$((i + 1))" "${ALERTMANAGERS[$i]}/-/ready" 30; done
if ! $node_exporter_running; then await node-exporter "$(url "$NODE_EXPORTER_PORT")/metrics" 30; fi
await demo-servers "$(url "${TARGET_PORTS[0]}")/metrics" 60

json_list() { local IFS=,; echo "$*" | sed 's/\([^,]*\)/"\1"/g; s/,/, /g'; }
cat >"$DIR/endpoints.json.tmp" <<JSON
{"influxdb": "$(url "$INFLUX_PORT")", "database": "prom", "promgate": [$(json_list "${PROMGATES[@]}")],
 "central": "$(url "$PROMETHEUS_PORT")", "shards": [$(IFS=,; echo "${SHARDS[*]}" | sed 's/\],\[/], [/g')],
 "alertmanagers": [$(json_list "${ALERTMANAGERS[@]}")], "webhook_log": "$WEBHOOK_LOG"}
JSON
mv "$DIR/endpoints.json.tmp" "$DIR/endpoints.json"

P1=${PROMGATES[0]}
cat <<MSG

promgate demo is running: data, logs and configs in $DIR (endpoints.json lists the URLs)
  promgate-1 $P1  promgate-2 ${PROMGATES[1]}
      /api/v1/shards  which target each shard scrapes      /api/v1/ha  the elected replica per shard
      /federate?match[]={__name__=~"job:.*"}  both shards, one copy per HA pair      /metrics
  shards     0: $(url "$SHARD_0A_PORT") (a) $(url "$SHARD_0B_PORT") (b)   1: $(url "$SHARD_1A_PORT") (a) $(url "$SHARD_1B_PORT") (b)
      /targets  each replica scrapes its shard's share (http_sd from promgate)
  central    $(url "$PROMETHEUS_PORT")/alerts  Watchdog and the seed's rules; /graph?g0.expr=job:up:sum
  alerting   $(json_list "${ALERTMANAGERS[@]}" | tr -d '"')  one cluster: /#/status
             every notification is one line of $WEBHOOK_LOG
  InfluxDB   $(url "$INFLUX_PORT")  curl -sG $(url "$INFLUX_PORT")/query --data-urlencode db=prom --data-urlencode 'q=SHOW TAG KEYS FROM up'
Try:
  stop a shard replica   curl -X POST $(url "$SHARD_0A_PORT")/-/quit   ($P1/api/v1/ha: b takes over after
                         failover_timeout if a was elected; the pair is still up, no target moves)
  stop a whole shard     curl -X POST $(url "$SHARD_1A_PORT")/-/quit; curl -X POST $(url "$SHARD_1B_PORT")/-/quit
                         ($P1/api/v1/shards: its targets move to shard 0 after failover_after)
  start them again       kill -USR1 $$
  a target down          curl -X POST $(url "${TARGET_PORTS[0]}")/down   (InstanceDown fires after 1m)
  edit promgate.yml      \$EDITOR $DIR/promgate.yml; curl -X POST $P1/-/reload; curl -X POST ${PROMGATES[1]}/-/reload
Ctrl-C stops everything (Prometheus first, then promgate, InfluxDB, the rest).
MSG

# Runs until Ctrl-C/SIGTERM; a server that exits is reported, the others keep running.
while true; do
  wait -n || true
  $stopping && break
  for name in "${ORDER[@]}"; do
    if ! alive "${PID_OF[$name]}" && [[ ! -e $DIR/run/$name.reported ]]; then
      echo ">> $name stopped (log: $DIR/logs/$name.log); kill -USR1 $$ starts it again" >&2
      touch "$DIR/run/$name.reported"
    fi
  done
  any=false
  for name in "${ORDER[@]}"; do if alive "${PID_OF[$name]}"; then any=true; fi; done
  if ! $any; then
    # wait -n returns at once when nothing is left: wait for a signal instead of spinning.
    sleep 1
  fi
done
