#!/usr/bin/env bash
# The OpenStack conformance gate: Tempest's volume API suite against Flint behind a real Keystone.
#
#   bash scripts/tempest/run.sh [--flint-dir DIR] [--concurrency N] [--keep] [REGEX]
#
# DIR is the Flint checkout to test (default: this repository); REGEX selects tests (default
# '^tempest\.api\.volume'). Everything lives under DIR/var/tempest/ and every process started
# here is stopped on exit. Exits non-zero when a test fails that is not in known-bugs.txt.
#
# Steps: install Debian's keystone/tempest/uwsgi/memcached; run Keystone on a free loopback port
# (SQLite, fernet tokens, memcached cache) and bootstrap admin, a service user for Flint, a demo
# member; start Flint (auth_strategy = keystone, two fake backends, a volume type for each) and
# register it in the catalog as block-storage and volumev3; write tempest.conf; run Tempest
# (dynamic credentials: Tempest makes its own projects and users with the admin account);
# summarize the results (summarize.ts).
set -euo pipefail

GATE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FLINT_DIR=$(cd "$GATE_DIR/../.." && pwd)
REGEX='^tempest\.api\.volume'
CONCURRENCY=4
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --flint-dir) FLINT_DIR=$(cd "$2" && pwd); shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --keep) KEEP=1; shift ;; # leave Keystone and Flint running after the run (Ctrl-C stops them)
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) REGEX=$1; shift ;;
  esac
done

VAR=$FLINT_DIR/var/tempest
ADMIN_PASSWORD=gate-admin-secret
FLINT_PASSWORD=gate-flint-secret
DEMO_PASSWORD=gate-demo-secret
BACKENDS=(fake-1 fake-2)
# The Debian OpenStack tools run on Debian's python; a pyenv PYTHONPATH would break them.
unset PYTHONPATH

log() { printf '[tempest-gate %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# Waits until URL answers (any HTTP status), or the process PID dies, or 60 s pass.
wait_http() {
  local url=$1 pid=$2 name=$3
  for _ in $(seq 1 120); do
    curl -s -o /dev/null --max-time 2 "$url" && return 0
    kill -0 "$pid" 2>/dev/null || die "$name exited while starting; see its log under $VAR"
    sleep 0.5
  done
  die "$name did not answer on $url within 60 s"
}

PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$GATE_DIR/install.sh"

rm -rf "$VAR"
mkdir -p "$VAR/fernet-keys" "$VAR/credential-keys" "$VAR/flint"
START=$(date +%s)

# --- memcached: Keystone's token cache (validations cost ~350 ms without it) -----------------
MEMCACHED_PORT=$(free_port)
memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64 -u "$(id -un)" >"$VAR/memcached.log" 2>&1 &
PIDS+=($!)

# --- Keystone ----------------------------------------------------------------------------------
KEYSTONE_PORT=$(free_port)
KEYSTONE_URL=http://127.0.0.1:$KEYSTONE_PORT/v3
cat >"$VAR/keystone.conf" <<EOF
[DEFAULT]
log_file = $VAR/keystone.log
[database]
connection = sqlite:///$VAR/keystone.db
[fernet_tokens]
key_repository = $VAR/fernet-keys
[credential]
key_repository = $VAR/credential-keys
[token]
# A full run takes longer than the default hour; Tempest keeps its tokens for a whole class.
expiration = 14400
[cache]
enabled = true
backend = oslo_cache.memcache_pool
memcache_servers = 127.0.0.1:$MEMCACHED_PORT
EOF
export OS_KEYSTONE_CONFIG_FILES=$VAR/keystone.conf
km() { keystone-manage --config-file "$VAR/keystone.conf" "$@" >>"$VAR/keystone-manage.log" 2>&1 || die "keystone-manage $1 failed; see $VAR/keystone-manage.log"; }
log "Keystone: database and keys"
km db_sync
km fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
km credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
km bootstrap --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-region-id RegionOne \
  --bootstrap-public-url "$KEYSTONE_URL/" --bootstrap-internal-url "$KEYSTONE_URL/" --bootstrap-admin-url "$KEYSTONE_URL/"
# --http11-socket: the plain http-socket resets kept-alive connections, which the openstack client reuses.
uwsgi-core --plugin python3 --http11-socket "127.0.0.1:$KEYSTONE_PORT" --wsgi-file /usr/bin/keystone-wsgi-public \
  --master --processes 2 --threads 4 --die-on-term --need-app --logto "$VAR/keystone-uwsgi.log" &
PIDS+=($!)
wait_http "$KEYSTONE_URL" "${PIDS[-1]}" Keystone
log "Keystone listening on $KEYSTONE_URL"

export OS_AUTH_URL=$KEYSTONE_URL OS_IDENTITY_API_VERSION=3 OS_USERNAME=admin OS_PASSWORD=$ADMIN_PASSWORD \
  OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne OS_INTERFACE=public
osc() { openstack "$@" >>"$VAR/openstack.log" 2>&1 || die "openstack $* failed; see $VAR/openstack.log"; }
# Flint's service user: validating other users' tokens needs the admin (or service) role.
osc project create --domain Default service
osc user create --domain Default --project service --password "$FLINT_PASSWORD" flint
osc role add --project service --user flint admin
# A plain member, for poking at Flint by hand with --keep (Tempest makes its own users).
osc project create --domain Default demo
osc user create --domain Default --project demo --password "$DEMO_PASSWORD" demo
osc role add --project demo --user demo member

# --- Flint -------------------------------------------------------------------------------------
FLINT_PORT=$(free_port)
FLINT_URL=http://127.0.0.1:$FLINT_PORT
{
  echo "[DEFAULT]"
  echo "enabled_backends = $(IFS=,; echo "${BACKENDS[*]}")"
  echo "auth_strategy = keystone"
  echo "keystone_url = $KEYSTONE_URL"
  echo "keystone_username = flint"
  echo "keystone_password = $FLINT_PASSWORD"
  echo "keystone_project = service"
  echo "osapi_volume_listen = 127.0.0.1"
  echo "osapi_volume_listen_port = $FLINT_PORT"
  echo "state_path = $VAR/flint"
  for b in "${BACKENDS[@]}"; do
    printf '\n[%s]\nvolume_driver = fake\nvolume_backend_name = %s\nfake_protocol = iscsi\n' "$b" "$b"
  done
} >"$VAR/flint.conf"
log "Flint: starting from $FLINT_DIR on $FLINT_URL"
(cd "$FLINT_DIR" && exec env FLINT_LOG_LEVEL=info node --import tsx src/cli/main.ts serve --config "$VAR/flint.conf") \
  >"$VAR/flint.log" 2>&1 &
PIDS+=($!)
wait_http "$FLINT_URL/" "${PIDS[-1]}" Flint

for type in block-storage volumev3; do
  osc service create --name "flint-$type" "$type"
  osc endpoint create --region RegionOne "flint-$type" public "$FLINT_URL/v3/%(project_id)s"
done

ADMIN_TOKEN=$(openstack token issue -f value -c id 2>>"$VAR/openstack.log") || die "no admin token"
ADMIN_PROJECT=$(openstack project show admin -f value -c id 2>>"$VAR/openstack.log")
for b in "${BACKENDS[@]}"; do
  code=$(curl -s -o "$VAR/type-$b.json" -w '%{http_code}' -X POST "$FLINT_URL/v3/$ADMIN_PROJECT/types" \
    -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"volume_type\": {\"name\": \"$b\", \"extra_specs\": {\"volume_backend_name\": \"$b\"}}}")
  [ "$code" = 200 ] || die "creating volume type $b answered $code: $(cat "$VAR/type-$b.json")"
done

# Flint's highest microversion, from its versions document (the source as a fallback).
MAX_MICROVERSION=$(curl -s "$FLINT_URL/" | jq -r '[.versions[]? | select(.id == "v3.0") | .version][0] // empty' 2>/dev/null || true)
[ -n "$MAX_MICROVERSION" ] || MAX_MICROVERSION=$(grep -oP "BLOCK_STORAGE_V3.*max: '\K[0-9.]+" "$FLINT_DIR/src/api/microversion.ts")
log "Flint up, microversions 3.0 .. $MAX_MICROVERSION"

# --- Tempest -----------------------------------------------------------------------------------
WORKSPACE=$VAR/workspace
tempest init --workspace-path "$VAR/workspaces.yaml" --name flint-gate "$WORKSPACE" >>"$VAR/tempest-init.log" 2>&1
cat >"$WORKSPACE/etc/tempest.conf" <<EOF
[DEFAULT]
log_dir = $WORKSPACE/logs
log_file = tempest.log

[auth]
# Tempest makes a project and user per test class (and an alt one where a test needs it).
use_dynamic_credentials = true
admin_username = admin
admin_password = $ADMIN_PASSWORD
admin_project_name = admin
admin_domain_name = Default

[identity]
uri_v3 = $KEYSTONE_URL
auth_version = v3
region = RegionOne

[identity-feature-enabled]
api_v2 = false

[service_available]
cinder = true
nova = false
glance = false
neutron = false
swift = false

[volume]
catalog_type = volumev3
backend_names = $(IFS=,; echo "${BACKENDS[*]}")
min_microversion = 3.0
max_microversion = $MAX_MICROVERSION
build_timeout = 60
build_interval = 1
storage_protocol = iSCSI
vendor_name = Flint
# The fake driver names a volume's backend object volume-<id>, its snapshot's snapshot-<id>.
manage_volume_ref = source-name,volume-%s
manage_snapshot_ref = source-name,snapshot-%s

[volume-feature-enabled]
multi_backend = true
snapshot = true
clone = true
manage_volume = true
manage_snapshot = true
# Needs a compute service to attach through.
extend_attached_volume = false
# Off until Flint's backup service is wired into the API.
backup = false
EOF

log "Tempest: running '$REGEX' (concurrency $CONCURRENCY)"
T0=$(date +%s)
set +e
(cd "$WORKSPACE" && tempest run --config-file etc/tempest.conf --regex "$REGEX" --concurrency "$CONCURRENCY") \
  >"$VAR/tempest-run.log" 2>&1
set -e
T1=$(date +%s)
(cd "$WORKSPACE" && stestr last --subunit) >"$VAR/results.subunit" 2>/dev/null || true
subunit2junitxml <"$VAR/results.subunit" >"$VAR/results.xml" 2>/dev/null || true
log "Tempest took $((T1 - T0)) s (whole gate $((T1 - START)) s); logs: $VAR/{tempest-run.log,workspace/logs/tempest.log,flint.log}"

rc=0
(cd "$FLINT_DIR" && node --import tsx "$GATE_DIR/summarize.ts" "$VAR/results.xml" "$GATE_DIR/known-bugs.txt") || rc=$?

if [ "$KEEP" = 1 ]; then
  log "--keep: Keystone $KEYSTONE_URL (admin/$ADMIN_PASSWORD, demo/$DEMO_PASSWORD), Flint $FLINT_URL; Ctrl-C stops them"
  while :; do sleep 3600; done
fi
exit "$rc"
