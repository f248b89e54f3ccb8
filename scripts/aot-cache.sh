#!/usr/bin/env bash
# Creates promgate's startup cache in target/quarkus-app (or $PROMGATE_APP_DIR), which scripts/promgate
# then uses:
#   - with a JDK 25+: app.aot, the AOT cache (JEP 483 classes loaded and linked ahead of time,
#     JEP 515 method profiles), used with -XX:AOTCache;
#   - with JDK 17-24: app.jsa, a dynamic AppCDS archive (classes parsed and verified ahead of
#     time), used with -XX:SharedArchiveFile.
# Either roughly halves the CPU promgate needs to become ready (BENCHMARKS.md "Startup").
#
#   ./mvnw -B package -DskipTests && scripts/aot-cache.sh [JDK_HOME]
#
# One training run, no network and no InfluxDB: promgate starts on a free loopback port with its
# InfluxDB at a closed port, answers a few requests of each kind, and is stopped; the JVM writes
# the cache as it exits (~20-30 s; needs curl). A cache belongs to one JDK build and one build of
# promgate: recreate it after every package (scripts/promgate ignores a cache older than the jars
# or written by another JDK, and starts without it).
#
# JDK_HOME: the JDK to train (and that scripts/promgate will then run promgate with); default:
# $PROMGATE_JAVA_HOME, else the newest JDK 25+ among $JAVA_HOME, the JDK of `java` on the PATH
# and /usr/lib/jvm/*, else the JDK of `java` on the PATH ($JAVA_HOME if set).
set -euo pipefail
cd "$(dirname "$0")/.."
APP=${PROMGATE_APP_DIR:-$PWD/target/quarkus-app}
[[ -f $APP/quarkus-run.jar ]] || { echo "aot-cache: $APP/quarkus-run.jar is missing: run ./mvnw -B package first" >&2; exit 1; }
if command -v unzip >/dev/null && ! unzip -p "$APP/quarkus-run.jar" META-INF/MANIFEST.MF | tr -d '\r\n ' | grep -q 'Class-Path:.*lib/main/'; then
  # The caches hold only classes of the JDK's own class loaders: Quarkus's default fast-jar loads
  # the libraries through its own, so application.properties asks for aot-jar.
  echo "aot-cache: $APP is not an aot-jar package (quarkus.package.jar.type=aot-jar)" >&2
  exit 1
fi

feature() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*"$/\1/p' "$1/release" 2>/dev/null || true; }
runtime_version() { sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"$/\1/p' "$1/release" 2>/dev/null || true; }
path_java=$(command -v java || true)
path_home=${path_java:+$(dirname "$(dirname "$(readlink -f "$path_java")")")}
jdk=${1:-${PROMGATE_JAVA_HOME:-}}
if [[ -z $jdk ]]; then
  best=0
  for h in "${JAVA_HOME:-}" "$path_home" /usr/lib/jvm/*; do
    f=$(feature "$h")
    if [[ -n $f && -x $h/bin/java ]] && ((f >= 25 && f > best)); then best=$f; jdk=$h; fi
  done
  jdk=${jdk:-${JAVA_HOME:-$path_home}}
fi
f=$(feature "$jdk")
if [[ -z $f || ! -x $jdk/bin/java ]]; then
  echo "aot-cache: no usable JDK at '$jdk' (no bin/java or release file)" >&2
  exit 1
fi
jdk=$(cd "$jdk" && pwd -P)
if ((f >= 25)); then
  file=app.aot
  record=(-XX:AOTCacheOutput="$APP/$file" -Xlog:aot=error -Xlog:cds=error)
else
  file=app.jsa
  record=(-XX:ArchiveClassesAtExit="$APP/$file" -Xlog:cds=error)
fi

DIR=$(mktemp -d -t promgate-aot.XXXXXX)
pid=
cleanup() { if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$DIR"; }
trap cleanup EXIT
cat >"$DIR/promgate.yml" <<CONF
storage:
  influxdb:
    url: http://127.0.0.1:1 # closed: nothing leaves the machine, the "unavailable" paths get trained
CONF
rm -f "$APP/app.aot" "$APP/app.jsa" "$APP/app.jdk"
# Through the launcher (it finds no cache now): the same JVM flags, and the jar by absolute path
# so that the cache works from any working directory. Port 0: Quarkus picks one and logs it.
PROMGATE_JAVA_HOME=$jdk JAVA_OPTS="${JAVA_OPTS:-} ${record[*]}" \
  scripts/promgate --config.file="$DIR/promgate.yml" --web.listen-address=127.0.0.1:0 >"$DIR/promgate.log" 2>&1 &
pid=$!
url=
for _ in $(seq 1200); do
  url=$(sed -n 's/.*Listening on: \(http:[^ ]*\).*/\1/p' "$DIR/promgate.log" | head -1)
  if [[ -n $url ]] || ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "aot-cache: promgate did not start; its log:" >&2
  cat "$DIR/promgate.log" >&2
  exit 1
fi
# A few requests of each kind, so that their classes are in the cache too.
for _ in 1 2 3; do
  for path in /-/healthy /-/ready /metrics '/federate?match[]=up'; do curl -s -o /dev/null "$url$path" || true; done
  curl -s -o /dev/null -H 'Content-Encoding: snappy' -H 'Content-Type: application/x-protobuf' \
    --data-binary 'not snappy' "$url/api/v1/write" || true # 400: read, refused while decoding
done
# SIGTERM: Quarkus shuts down, the JVM exits normally and writes the cache.
kill -TERM "$pid"
wait "$pid" || true
pid=
if [[ ! -s $APP/$file ]]; then
  echo "aot-cache: the JVM wrote no $file; its log:" >&2
  cat "$DIR/promgate.log" >&2
  exit 1
fi
# What scripts/promgate checks before using the cache: the JDK that wrote it, unchanged.
echo "$jdk $(runtime_version "$jdk") $file" >"$APP/app.jdk"
echo "aot-cache: wrote $APP/$file ($(du -m "$APP/$file" | cut -f1) MiB) for $jdk ($(runtime_version "$jdk"))"
