#!/bin/bash
# kill -9 of one client's session process leaves the server and other clients working.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server
[ "$IT_SERVER" = samba ] && SESSION_NAME=smbd || SESSION_NAME=smbd-session
before=$(descendants "$SERVER_PID" | sort)
# Client A stays connected (smbclient reads commands from a pipe kept open).
mkfifo "$T/a.in"
alice share <"$T/a.in" >"$T/a.out" 2>&1 &
APID=$!
bg_track $APID
exec 7>"$T/a.in"
echo "ls" >&7
victim=
for _ in $(seq 100); do
  for p in $(descendants "$SERVER_PID"); do
    echo "$before" | grep -qx "$p" && continue
    [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$SESSION_NAME" ] || continue
    # the session process holds a TCP socket from the client
    victim=$p
  done
  [ -n "$victim" ] && break
  sleep 0.1
done
if [ -z "$victim" ]; then
  fail "found client A's session process"
else
  pass "client A served by session process $victim"
  # Client B connects before the kill and keeps its connection across it.
  mkfifo "$T/b.in"
  bob share <"$T/b.in" >"$T/b.out" 2>&1 &
  BPID=$!
  bg_track $BPID
  exec 8>"$T/b.in"
  echo "ls" >&8
  # wait until B has its own session process (smbclient's output is buffered)
  for _ in $(seq 100); do
    n=0
    for p in $(descendants "$SERVER_PID"); do
      [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$SESSION_NAME" ] && n=$((n + 1))
    done
    [ $n -ge 2 ] && break
    sleep 0.1
  done
  sleep 0.5
  kill -KILL "$victim"
  sleep 0.5
  kill -0 "$SERVER_PID" 2>/dev/null && pass "master survives the kill" || fail "master died"
  echo "put $CONF b-after-kill.txt" >&8
  exec 8>&-
  for _ in $(seq 100); do kill -0 "$BPID" 2>/dev/null || break; sleep 0.1; done
  [ -f "$T/share/b-after-kill.txt" ] && pass "client B, connected during the kill, keeps working" ||
    { fail "client B, connected during the kill, keeps working"; sed 's/^/    | /' "$T/b.out" | tail -5; }
  check "a new client still works" bob share -c ls
  check "and can write" bob share -c "put $CONF after-kill.txt"
fi
exec 7>&-
it_done
