# Integration test harness, sourced by every tests/integration/t-*.sh.
# Builds nothing: it runs the binaries of an existing build directory
#   CIFSD_BUILD  (default: <repo>/build-test, else <repo>/build)
# against real clients (smbclient, rpcclient, smbtorture, impacket) on a free
# loopback port. Everything lives in a temp dir that is removed on exit; the
# server it started (and that server's children) are stopped BY PID.
# CIFSD_IT_SERVER=samba runs the same tests against Samba's smbd instead, to
# check the tests themselves.
# Needs root: it creates the Unix users cifsd_alice and cifsd_bob if missing.

IT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -z "${CIFSD_BUILD:-}" ]; then
  for d in "$IT_REPO/build-test" "$IT_REPO/build"; do
    [ -x "$d/smbd-master/smbd-master" ] && CIFSD_BUILD=$d && break
  done
fi
CIFSD_BUILD=${CIFSD_BUILD:-$IT_REPO/build}
IT_SERVER=${CIFSD_IT_SERVER:-cifsd}
MASTER=$CIFSD_BUILD/smbd-master/smbd-master
ADDUSER=$CIFSD_BUILD/smbd-adduser/smbd-adduser
PY=/usr/bin/python3   # impacket is installed for Debian's python only

ALICE=cifsd_alice
BOB=cifsd_bob
ALICE_PW='Alice-Pass1'
BOB_PW='Bob-Pass2'

IT_PASS=0
IT_FAIL=0
SERVER_PID=
T=

# Sanitizer runtimes: leak checking cannot run inside the seccomp sandbox
# (it needs ptrace), so it is off for the servers; errors still abort.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pass() { IT_PASS=$((IT_PASS + 1)); echo "PASS: $*"; }
fail() { IT_FAIL=$((IT_FAIL + 1)); echo "FAIL: $*"; }

# check "description" command...   (PASS if the command exits 0)
check() {
  local what=$1
  shift
  if "$@" >"$T/last.out" 2>&1; then
    pass "$what"
  else
    fail "$what"
    sed -n '1,15s/^/    | /p' "$T/last.out"
  fi
}

# check_out "description" REGEX command...  (PASS if the output matches)
check_out() {
  local what=$1 re=$2
  shift 2
  "$@" >"$T/last.out" 2>&1
  if grep -E -q -- "$re" "$T/last.out"; then
    pass "$what"
  else
    fail "$what (no /$re/ in output)"
    sed -n '1,15s/^/    | /p' "$T/last.out"
  fi
}

# check_fail_out "description" REGEX command...  (the output must show the
# expected error REGEX; smbclient -c exits 0 after many failed commands, so
# the exit status is not used)
check_fail_out() {
  local what=$1 re=$2 rc
  shift 2
  "$@" >"$T/last.out" 2>&1
  rc=$?
  if grep -E -q -- "$re" "$T/last.out"; then
    pass "$what"
  else
    fail "$what (rc $rc, expected failure with /$re/)"
    sed -n '1,15s/^/    | /p' "$T/last.out"
  fi
}

it_done() {
  echo "-- $(basename "$0"): $IT_PASS passed, $IT_FAIL failed"
  [ "$IT_FAIL" -eq 0 ] && [ "$IT_PASS" -gt 0 ]
}

free_port() {
  $PY - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

port_open() { ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .; }

ensure_user() {
  id "$1" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$1"
}

# Children of a pid, recursively (by /proc, not by name).
descendants() {
  local p c
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    echo "$c"
    descendants "$c"
  done
}

it_cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    local kids
    kids=$(descendants "$SERVER_PID")
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
    for k in $kids; do kill -KILL "$k" 2>/dev/null; done
  fi
  if [ "$IT_SERVER" = samba ] && [ -n "$T" ]; then
    for f in "$T"/run/*.pid; do
      [ -s "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
    done
  fi
  for p in ${IT_BG_PIDS:-}; do kill -KILL "$p" 2>/dev/null; done
  if [ -n "$T" ] && [ -d "$T" ] && [ "${IT_KEEP:-0}" != 1 ]; then rm -rf "$T"; fi
  exit $rc
}

# Starts a background job whose pid is killed on exit.
bg_track() { IT_BG_PIDS="${IT_BG_PIDS:-} $1"; }

# Creates the temp dir, users, shares and config. Extra share sections can be
# appended to "$CONF" before it_start_server.
it_setup() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: integration tests need root (Unix users, privilege drop)"; exit 77
  fi
  if [ "$IT_SERVER" = cifsd ] && { [ ! -x "$MASTER" ] || [ ! -x "$ADDUSER" ]; }; then
    echo "FAIL: $MASTER or $ADDUSER not built (CIFSD_BUILD=$CIFSD_BUILD)"
    exit 1
  fi
  T=$(mktemp -d /tmp/cifsd-it.XXXXXX)
  chmod 0755 "$T"
  trap it_cleanup EXIT
  trap 'exit 130' INT TERM
  PORT=$(free_port)
  CONF=$T/smb.conf
  DB=$T/cifsdpwd.db
  PIDDIR=$T/run
  mkdir -p "$T/share" "$T/ro" "$T/pub" "$T/alice" "$T/run" "$T/state" "$T/samba"
  ensure_user "$ALICE"
  ensure_user "$BOB"
  ALICE_UID=$(id -u "$ALICE")
  BOB_UID=$(id -u "$BOB")
  chmod 1777 "$T/share"
  chown "$ALICE": "$T/alice"
  chmod 0755 "$T/alice"
  chmod 0755 "$T/ro" "$T/pub"
  echo "read-only content" > "$T/ro/readme.txt"
  echo "public content" > "$T/pub/public.txt"
  chmod 0644 "$T/ro/readme.txt" "$T/pub/public.txt"
  write_conf
}

write_conf() {
  {
    echo "[global]"
    if [ "$IT_SERVER" = samba ]; then
      cat <<S
	server role = standalone server
	smb ports = $PORT
	disable netbios = yes
	private dir = $T/samba
	lock directory = $T/samba
	state directory = $T/samba
	cache directory = $T/samba
	ncalrpc dir = $T/samba/ncalrpc
	binddns dir = $T/samba/bind-dns
	passdb backend = tdbsam:$T/samba/passdb.tdb
	log file = $T/samba/log.%m
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	kernel oplocks = no
	server min protocol = SMB2_02
S
    else
      cat <<S
	tcp port = $PORT
	state directory = $T/state
	passdb = $DB
S
    fi
    cat <<S
	interfaces = 127.0.0.1
	bind interfaces only = yes
	pid directory = $PIDDIR
	map to guest = bad user
	guest account = nobody
	log level = ${IT_LOG_LEVEL:-info}

[share]
	path = $T/share
	read only = no
	valid users = $ALICE $BOB
	create mask = 0644

[ro]
	path = $T/ro
	read only = yes
	valid users = $ALICE $BOB

[alice]
	path = $T/alice
	read only = no
	valid users = $ALICE

[pub]
	path = $T/pub
	read only = yes
	guest ok = yes
S
  } > "$CONF"
  if [ "$IT_SERVER" = samba ]; then sed -i 's/^\tlog level = .*/\tlog level = 1/' "$CONF"; fi
  chmod 0644 "$CONF"
}

set_password() {  # user password
  if [ "$IT_SERVER" = samba ]; then
    printf '%s\n%s\n' "$2" "$2" | smbpasswd -c "$CONF" -a -s "$1" >/dev/null
  else
    "$ADDUSER" -C "$CONF" -P "$DB" -a "$1" -p "$2" >/dev/null 2>"$T/adduser.err" ||
      "$ADDUSER" -C "$CONF" -P "$DB" -u "$1" -p "$2" >/dev/null 2>>"$T/adduser.err" ||
      { echo "FAIL: smbd-adduser for $1:"; cat "$T/adduser.err"; return 1; }
  fi
}

master_pidfile() {
  if [ "$IT_SERVER" = samba ]; then echo "$PIDDIR/smbd.pid"; else echo "$PIDDIR/smbd-master.pid"; fi
}

it_start_server() {
  set_password "$ALICE" "$ALICE_PW" || exit 1
  set_password "$BOB" "$BOB_PW" || exit 1
  if [ "$IT_SERVER" = samba ]; then
    mkdir -p "$T/samba/ncalrpc" "$T/samba/bind-dns"
    # own session: smbd signals its whole process group when it stops
    setsid smbd -F --no-process-group -s "$CONF" </dev/null >"$T/server.log" 2>&1 &
  else
    # shellcheck disable=SC2086
    "$MASTER" -n -C "$CONF" ${CIFSD_MASTER_ARGS:-} </dev/null >"$T/server.log" 2>&1 &
  fi
  SERVER_PID=$!
  local i
  for i in $(seq 200); do
    port_open && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "FAIL: server exited before listening; its log:"
      sed 's/^/    | /' "$T/server.log" | tail -n 30
      exit 1
    fi
    sleep 0.1
  done
  if ! port_open; then
    echo "FAIL: server not listening on 127.0.0.1:$PORT after 20 s; its log:"
    sed 's/^/    | /' "$T/server.log" | tail -n 30
    exit 1
  fi
  echo "server $IT_SERVER pid $SERVER_PID on 127.0.0.1:$PORT (dir $T)"
}

# Shows the server log after a failure (the runner prints it on failure).
it_server_log() { [ -f "$T/server.log" ] && tail -n "${1:-40}" "$T/server.log"; }

# smbclient wrappers: smbc SHARE USER%PASS [smbclient args...]
smbc() {
  local share=$1 cred=$2
  shift 2
  timeout 60 smbclient "//127.0.0.1/$share" -p "$PORT" -U "$cred" "$@"
}
alice() { local s=$1; shift; smbc "$s" "$ALICE%$ALICE_PW" "$@"; }
bob() { local s=$1; shift; smbc "$s" "$BOB%$BOB_PW" "$@"; }
