#!/bin/sh
# Installs the Debian 12 packages akisim needs, and only those that are missing.
# Idempotent: a machine that already has everything runs no apt command at all.
# Called by the Makefile (make setup / run / test); needs root (or sudo) only when
# something is missing.
set -eu

PKGS="cmake make gcc g++ pkg-config googletest libgtest-dev libfyaml-dev libzip-dev \
libdnnl-dev clang libclang-rt-14-dev clang-format zlib1g-dev dataset-fashion-mnist verilator \
gnuplot-nox chromium"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists once when the cache is empty or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
    $SUDO apt-get update -qq
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
