#!/usr/bin/env bash
# Runs promgate's whole test suite: unit tests, @QuarkusTest against a real InfluxDB, and the
# end-to-end tests (*IT) that drive the packaged jar with real Prometheus servers.
# Installs influxdb and prometheus from Debian when missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_servers
exec ./mvnw -B verify "$@"
