# Shared by scripts/*.sh: find or install the real servers promgate works with.
# shellcheck shell=bash

# Installs Debian's influxdb and prometheus packages when a binary is missing and we may (root + apt).
ensure_servers() {
  local missing=()
  command -v influxd >/dev/null 2>&1 || missing+=(influxdb)
  command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
  command -v promtool >/dev/null 2>&1 || { [[ " ${missing[*]} " == *" prometheus "* ]] || missing+=(prometheus); }
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
