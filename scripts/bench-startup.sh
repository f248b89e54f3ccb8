#!/usr/bin/env bash
# Startup benchmark: wall time from launching promgate until GET /-/ready answers 200 (which needs
# the config loaded, the HTTP server listening and InfluxDB answering promgate's /ping), against a
# private InfluxDB started here. Each run launches a fresh process, polls /-/ready every 5 ms,
# records the time and the CPU the process used until then, and stops it; prints every run,
# then median/min/max per command.
#
#   scripts/bench-startup.sh [RUNS=10] [COMMAND... [-- COMMAND...]...]
#
# COMMAND launches promgate without its flags (--config.file and --web.listen-address are
# appended); default: scripts/promgate, the launcher. Several commands separated by -- run
# interleaved (A B A B ...), so that a shared machine's changing load hits them alike:
#   scripts/bench-startup.sh 10 scripts/promgate -- java -jar target/quarkus-app/quarkus-run.jar
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
RUNS=${1:-10}
shift || true
if (($# == 0)); then set -- scripts/promgate; fi
ensure_servers
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -q package -DskipTests

bench_workdir promgate-startup
IPORT=$(free_port); RPORT=$(free_port)
start_influxd "$DIR/influxdb" "$IPORT" "$RPORT"
cat >"$DIR/promgate.yml" <<CONF
storage:
  influxdb:
    url: http://127.0.0.1:${IPORT}
    database: startup
CONF

echo "$(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The timing loop is Python so that polling costs no fork per attempt; the clock starts just
# before the process is spawned and stops when /-/ready has answered 200.
python3 - "$RUNS" "$DIR" "$@" <<'PY'
import http.client, os, re, signal, statistics, subprocess, sys, time, socket
runs, d, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
cmds, cur = [], []
for a in args:
    if a == "--":
        cmds.append(cur); cur = []
    else:
        cur.append(a)
cmds.append(cur)
cmds = [c for c in cmds if c]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def cpu_seconds(pid):
    # user + system CPU of the process and its children (a launcher script execs java: one process)
    total = 0
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                f = open(f"/proc/{e}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(e) == pid or int(f[1]) == pid:
                total += int(f[11]) + int(f[12])
    return total / os.sysconf("SC_CLK_TCK")

def run_once(cmd, log_path):
    port = free_port()
    log = open(log_path, "w")
    t0 = time.monotonic()
    p = subprocess.Popen(cmd + [f"--config.file={d}/promgate.yml", f"--web.listen-address=127.0.0.1:{port}"],
                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    ready = cpu = None
    while time.monotonic() - t0 < 60 and p.poll() is None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            c.request("GET", "/-/ready")
            if c.getresponse().status == 200:
                ready = time.monotonic() - t0
                cpu = cpu_seconds(p.pid)
                break
        except OSError:
            pass
        finally:
            c.close()
        time.sleep(0.005)
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass  # exited by itself: reported below
    p.wait()
    log.close()
    text = open(log_path).read()
    if ready is None:
        sys.exit(f"{' '.join(cmd)}: not ready within 60 s (exit {p.returncode}); log:\n{text}")
    started = re.search(r"started in ([0-9.]+)s", text)
    return ready * 1000, cpu, started.group(1) if started else "?"

results = [([], []) for _ in cmds]
for i in range(runs):
    for k, cmd in enumerate(cmds):
        ms, cpu, started = run_once(cmd, f"{d}/promgate-{k}-{i}.log")
        results[k][0].append(ms)
        results[k][1].append(cpu)
        print(f"[{k + 1}] run {i + 1}: ready after {ms:.0f} ms, {cpu:.2f} CPU-s (Quarkus 'started in' {started} s)", flush=True)
        time.sleep(0.5)
print(f"load average after: {open('/proc/loadavg').read().split()[:3]}")
for k, cmd in enumerate(cmds):
    ms, cpus = results[k]
    print(f"[{k + 1}] {' '.join(cmd)}\n    time to ready, {runs} runs: median {statistics.median(ms):.0f} ms, "
          f"min {min(ms):.0f} ms, max {max(ms):.0f} ms; CPU until ready: median {statistics.median(cpus):.2f} s, "
          f"min {min(cpus):.2f} s, max {max(cpus):.2f} s")
PY
