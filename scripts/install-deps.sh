#!/bin/sh
# Installs the Debian packages ward needs to build and test, if missing.
# Uses sudo when not run as root.
set -e
PKGS="build-essential pkg-config libunwind-dev libdw-dev libzstd-dev zstd
libcmocka-dev libncurses-dev tmux python3 perl git sqlite3 man-db clang libclang-rt-14-dev
redis-server redis-tools qemu-utils libpth-dev libboost-context-dev libcoro-perl ruby php-cli"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "ward: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq $missing >/dev/null
