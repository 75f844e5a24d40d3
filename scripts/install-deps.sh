#!/usr/bin/env bash
# Installs what Flint needs on a fresh Debian 12 machine: Debian packages for the data
# plane and the OpenStack clients (python3-tempest: its response schemas are the contract the
# API tests check bodies against), and the npm packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(tgt libiscsi-bin qemu-utils qemu-block-extra xfsprogs btrfs-progs util-linux python3-openstackclient python3-cinderclient python3-manilaclient openssl python3-prometheus-client chromium
  nfs-ganesha nfs-ganesha-vfs libnfs-utils rpcbind dbus gcc libc6-dev python3-tempest)
missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Compiled JavaScript for `flint` and `flint serve`, and the dashboard's bundle (esbuild, ~2 s).
node scripts/build.mjs
node scripts/build-dashboard.mjs >/dev/null
