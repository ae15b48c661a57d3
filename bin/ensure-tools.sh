#!/usr/bin/env bash
# Installs, from Debian's packages, the tools the build and tests call outside the JVM,
# when they are missing: Maven (the build), Node.js and npm (model packages are fetched
# with `npm pack`; a Node.js Kafka client decodes our records), ffmpeg and
# rtsp-server-perl (a live RTSP camera for the camera-worker tests: ffmpeg publishes a
# video into the server, the worker reads it back), mosquitto (the MQTT broker the integrations'
# tests publish to), docker-compose (validates docker/compose.yaml without a Docker engine) and chromium (the
# headless browser the web console's test drives with playwright-core, which npm installs under target/).
# With "run", only what building and running the product needs (Maven; npm for the models).
set -euo pipefail
missing=()
command -v mvn    >/dev/null || missing+=(maven)
command -v node   >/dev/null || missing+=(nodejs)
command -v npm    >/dev/null || missing+=(npm)
if [ "${1:-}" != run ]; then
  command -v ffmpeg >/dev/null || missing+=(ffmpeg)
  command -v rtsp-server-perl >/dev/null || missing+=(rtsp-server-perl)
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "facestream: missing ${missing[*]}; install them (apt-get install ${missing[*]}) and run again." >&2
  exit 1
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "facestream: installing ${missing[*]} from Debian's packages..." >&2
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
