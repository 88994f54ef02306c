#!/bin/bash
# SIGHUP reloads smb.conf (a new share appears); SIGTERM stops the server and
# removes its pid file.
. "$(dirname "$0")/lib.sh"
it_setup
mkdir -p "$T/later"
chmod 0755 "$T/later"
echo "added later" > "$T/later/later.txt"
chmod 0644 "$T/later/later.txt"
it_start_server
PIDFILE=$(master_pidfile)
for _ in $(seq 50); do [ -s "$PIDFILE" ] && break; sleep 0.1; done
[ "$(cat "$PIDFILE" 2>/dev/null)" = "$SERVER_PID" ] && pass "pid file names the master" || fail "pid file $PIDFILE has '$(cat "$PIDFILE" 2>/dev/null)', want $SERVER_PID"
check_fail_out "[later] does not exist yet" 'NT_STATUS_BAD_NETWORK_NAME' alice later -c ls
printf '\n[later]\n\tpath = %s\n\tread only = yes\n' "$T/later" >> "$CONF"
kill -HUP "$SERVER_PID"
ok=
for _ in $(seq 30); do
  if alice later -c ls >"$T/reload.out" 2>&1 && grep -q later.txt "$T/reload.out"; then ok=1; break; fi
  sleep 0.3
done
[ -n "$ok" ] && pass "after SIGHUP the new share serves" || { fail "after SIGHUP the new share serves"; sed 's/^/    | /' "$T/reload.out" | head; }
kill -0 "$SERVER_PID" 2>/dev/null && pass "master alive after SIGHUP" || fail "master died on SIGHUP"
kids=$(descendants "$SERVER_PID")
kill -TERM "$SERVER_PID"
for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then
  fail "master still running 10 s after SIGTERM"
else
  pass "master exits on SIGTERM"
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
fi
[ ! -e "$PIDFILE" ] && pass "pid file removed" || fail "pid file $PIDFILE left behind"
port_open && fail "port still listening" || pass "port closed"
left=
for k in $kids; do kill -0 "$k" 2>/dev/null && left="$left $k"; done
[ -z "$left" ] && pass "no child process left" || { fail "children left:$left"; for k in $left; do kill -KILL "$k"; done; }
it_done
