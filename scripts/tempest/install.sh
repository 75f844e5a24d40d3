#!/usr/bin/env bash
# Installs what the Tempest gate needs from Debian's packages, non-interactively:
# Keystone (its postinst is preseeded to leave databases, admins and endpoints alone: the
# gate makes its own), Tempest (and python3-junitxml for subunit2junitxml), uwsgi to serve Keystone, memcached for Keystone's token cache, psycopg2 for its PostgreSQL database.
set -euo pipefail

PACKAGES=(keystone tempest python3-junitxml uwsgi-core uwsgi-plugin-python3 memcached jq curl python3-psycopg2)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO debconf-set-selections <<'PRESEED'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
dbconfig-common dbconfig-common/dbconfig-install boolean false
PRESEED
echo "tempest gate: installing ${missing[*]}" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 \
  || { $SUDO apt-get update -q >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; }
