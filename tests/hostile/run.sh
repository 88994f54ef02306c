#!/bin/bash
# Hostile-input, resource-limit and fault suite (issue #7, docs/hardening.md).
# Starts cifsd from CIFSD_BUILD (the ASan/UBSan build in CI) with the shares of
# tests/integration/lib.sh plus a few limits set low, then runs:
#   hostile.py  classes A-G of ../shared/design/security.md
#   limits.py   every resource cap, exceeded by one client
#   faults.py   helpers killed, disk full, slow reader, 64-client checker
#   master kill (here: needs its own server)
# Needs root. Prints "TEST PASS|FAIL hostile/<part>" lines for scripts/test.sh.
#   HOSTILE_LONG=1   longer variants (more inputs, longer concurrency run)
#   HOSTILE_ONLY="A C"  only these classes of hostile.py
#   HOSTILE_PARTS="hostile limits faults master"  parts to run (default: all)
set -u
export PYTHONDONTWRITEBYTECODE=1
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../integration/lib.sh
. "$HERE/../integration/lib.sh"

PARTS=${HOSTILE_PARTS:-hostile limits faults master}
RC=0
it_setup
mkdir -p "$T/full"
# Small file system for the disk-full test (tmpfs: no root-reserved blocks).
FULL_MOUNTED=0
if mount -t tmpfs -o size=2m,mode=1777 cifsd-hostile-full "$T/full" 2>/dev/null; then
  FULL_MOUNTED=1
fi
# EIO from storage (faults.py K7): a small ext4 on a loop device, which the
# test shuts down (EXT4_IOC_SHUTDOWN) so every I/O fails with EIO.
mkdir -p "$T/eio"
EIO_MOUNTED=0
EIO_IMG=$T/eio.img
if command -v mkfs.ext4 >/dev/null && truncate -s 16M "$EIO_IMG" && mkfs.ext4 -q -F "$EIO_IMG" 2>/dev/null &&
    mount -o loop "$EIO_IMG" "$T/eio" 2>/dev/null; then
  chmod 1777 "$T/eio"
  EIO_MOUNTED=1
fi
unmount_full() {
  if [ "$FULL_MOUNTED" = 1 ]; then umount "$T/full" 2>/dev/null || umount -l "$T/full"; fi
  FULL_MOUNTED=0
  if [ "$EIO_MOUNTED" = 1 ]; then umount "$T/eio" 2>/dev/null || umount -l "$T/eio"; fi
  EIO_MOUNTED=0
}
# lib.sh's cleanup removes $T: unmount first, keeping the exit status
trap 'rc=$?; unmount_full; (exit $rc); it_cleanup' EXIT

# Limits set low so that one client can exceed each of them; everything else
# as in the integration tests.
sed -i '/^\[global\]/a\
	max connections = 100\
	max ip connections = 80\
	max open files = 200\
	smb2 max credits = 512\
	restrict anonymous = 2' "$CONF"
cat >> "$CONF" <<S

[full]
	path = $T/full
	read only = no
	valid users = $ALICE $BOB
	create mask = 0644

[eio]
	path = $T/eio
	read only = no
	valid users = $ALICE $BOB
	create mask = 0644
S

export HOSTILE_EIO=$EIO_MOUNTED HOSTILE_EIO_IMG=$EIO_IMG
export HOSTILE_CONF=$CONF HOSTILE_DIR=$T HOSTILE_ALICE=$ALICE HOSTILE_ALICE_PW=$ALICE_PW HOSTILE_BOB=$BOB \
  HOSTILE_BOB_PW=$BOB_PW HOSTILE_LOG=$T/server.log HOSTILE_FULL=$FULL_MOUNTED

start() {
  it_start_server
  export HOSTILE_PORT=$PORT HOSTILE_MASTER_PID=$SERVER_PID
  # Children are up once the master logged them.
  for _ in $(seq 100); do
    grep -q 'smbd-rpc started' "$T/server.log" && grep -q 'smbd-auth started' "$T/server.log" && break
    sleep 0.1
  done
}

part() {  # name command...
  local name=$1 t0=$SECONDS
  shift
  echo "--- $name"
  if "$@"; then
    echo "TEST PASS hostile/$name ($((SECONDS - t0)) s)"
  else
    echo "TEST FAIL hostile/$name ($((SECONDS - t0)) s)"
    it_server_log 30 | sed 's/^/    | /'
    RC=1
  fi
}

start
for p in $PARTS; do
  case $p in
    hostile) part hostile $PY "$HERE/hostile.py" ;;
    limits) part limits $PY "$HERE/limits.py" ;;
    faults) part faults $PY "$HERE/faults.py" ;;
    cmd) part cmd bash -c "${HOSTILE_CMD:-true}" ;;  # development: any command against the server
  esac
done
case " $PARTS " in
  *" master "*)
    # The master killed: last, it takes the server down.
    part master-kill $PY "$HERE/master_kill.py" ;;
esac
unmount_full
exit $RC
