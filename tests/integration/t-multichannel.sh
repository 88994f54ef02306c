#!/bin/bash
# Multichannel (docs/multichannel.md) with our raw client
# (tests/integration/multichannel.py on tests/hostile/smb2raw.py), for SMB
# 3.1.1 and 3.0.2: a second connection binds to the first one's session, in
# another smbd-session process that hands its socket to the session's owner;
# a write on channel 1 reads back on channel 2, whose answers are signed with
# Channel.SigningKey; channel 2 keeps the session after channel 1 is closed.
# Negative: binding as another user, unsigned, an unknown session, a 2.1
# connection. With "server multi channel support = no" binding is refused.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server

MC="$IT_REPO/tests/integration/multichannel.py"
for d in 311 302; do
  check "multichannel SMB $d (bind, cross-channel I/O, channel signing, survives channel 1)" \
    timeout 120 "$PY" "$MC" "$PORT" share "$ALICE" "$ALICE_PW" "$BOB" "$BOB_PW" "$d"
done
check "the smbd-session processes that handed their sockets over ended" \
  bash -c "! grep -q 'killed by signal' '$T/server.log' 2>/dev/null"

it_done
