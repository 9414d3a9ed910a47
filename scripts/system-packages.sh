#!/usr/bin/env bash
# Debian packages the test suite and the benchmarks need (browser tests, the scheduler's
# clock tests, CJK fonts for screenshots, wrk for bench.intake): installed when missing,
# so that `make test` alone sets up a fresh machine. Needs root (or sudo) only when
# something is missing.
set -euo pipefail

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
[ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 ] ||
  [ -e /usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1 ] || need+=(faketime)
fc-list 2>/dev/null | grep -qi "WenQuanYi" || need+=(fonts-wqy-microhei)
command -v npm >/dev/null || need+=(npm)
command -v pg_isready >/dev/null || need+=(postgresql-client)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v wrk >/dev/null || need+=(wrk)  # bench.intake's load generator
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "missing Debian packages: ${need[*]} (install them as root)"; exit 1; }
  sudo=sudo
fi
echo "installing Debian packages: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
