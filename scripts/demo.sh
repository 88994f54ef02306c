#!/bin/bash
# One-command demo on a fresh Debian 12, as root: installs the build
# dependencies, builds cifsd, creates a demo user and share, and starts
# smbd-master on 127.0.0.1:4445. Everything it creates lives under
# $DEMO_DIR (default /var/tmp/cifsd-demo); the Unix user "cifsdemo" is
# created if missing. Re-running restarts the demo server.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DEMO_DIR=${DEMO_DIR:-/var/tmp/cifsd-demo}
BUILD=${CIFSD_DEMO_BUILD:-$REPO/build}
PORT=${DEMO_PORT:-4445}
USER_NAME=cifsdemo
PASSWORD=${DEMO_PASSWORD:-cifsdemo-Pass1}

if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: run as root (it creates a Unix user and binds a port as root)" >&2
  exit 1
fi

echo "== installing build dependencies"
"$REPO/scripts/install-deps.sh"

echo "== building in $BUILD"
( cd "$REPO" && { [ -x configure ] && [ ! configure.ac -nt configure ] || autoreconf -fi; } )
mkdir -p "$BUILD"
( cd "$BUILD" && { [ -f Makefile ] || "$REPO/configure" -q; } && make -j"$(nproc)" )

MASTER=$BUILD/smbd-master/smbd-master
ADDUSER=$BUILD/smbd-adduser/smbd-adduser
for b in "$MASTER" "$ADDUSER"; do
  [ -x "$b" ] || { echo "demo.sh: $b was not built" >&2; exit 1; }
done

CONF=$DEMO_DIR/smb.conf
DB=$DEMO_DIR/cifsdpwd.db
PIDFILE=$DEMO_DIR/run/smbd-master.pid

# Stop a previous demo server (by its pid file only).
if [ -f "$PIDFILE" ]; then
  old=$(cat "$PIDFILE" 2>/dev/null || true)
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
    echo "== stopping the previous demo server (pid $old)"
    kill -TERM "$old" || true
    for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  fi
fi

echo "== demo user and share in $DEMO_DIR"
if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd -M -s /usr/sbin/nologin "$USER_NAME"
fi
mkdir -p "$DEMO_DIR/share" "$DEMO_DIR/run" "$DEMO_DIR/state"
chmod 0755 "$DEMO_DIR" "$DEMO_DIR/share"
chown "$USER_NAME": "$DEMO_DIR/share"
[ -e "$DEMO_DIR/share/hello.txt" ] || {
  echo "Hello from cifsd" > "$DEMO_DIR/share/hello.txt"
  chown "$USER_NAME": "$DEMO_DIR/share/hello.txt"
}

cat > "$CONF" <<CONF
; cifsd demo configuration, written by scripts/demo.sh
[global]
	server string = cifsd demo
	tcp port = $PORT
	interfaces = 127.0.0.1
	bind interfaces only = yes
	pid directory = $DEMO_DIR/run
	state directory = $DEMO_DIR/state
	passdb = $DB

[demo]
	comment = cifsd demo share
	path = $DEMO_DIR/share
	read only = no
	valid users = $USER_NAME
CONF

# Add the user, or update the password if the database already has it.
"$ADDUSER" -C "$CONF" -P "$DB" -a "$USER_NAME" -p "$PASSWORD" 2>/dev/null ||
  "$ADDUSER" -C "$CONF" -P "$DB" -u "$USER_NAME" -p "$PASSWORD"

echo "== starting smbd-master"
"$MASTER" -C "$CONF"
for _ in $(seq 100); do
  if [ -s "$PIDFILE" ] && ss -ltnH "sport = :$PORT" | grep -q .; then break; fi
  sleep 0.1
done
if ! ss -ltnH "sport = :$PORT" | grep -q .; then
  echo "demo.sh: smbd-master is not listening on 127.0.0.1:$PORT" >&2
  exit 1
fi

cat <<MSG

cifsd is running (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'), config $CONF).
Try it:

  smbclient //127.0.0.1/demo -p $PORT -U '$USER_NAME%$PASSWORD' -c ls

Stop it:

  kill \$(cat $PIDFILE)

MSG
