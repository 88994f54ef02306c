#!/bin/bash
# Per-user identity: a file alice creates is hers on disk; once it is 0600, bob
# cannot read it through the server.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server
echo "alice's secret" > "$T/secret.txt"
check "alice uploads secret.txt" alice share -c "put $T/secret.txt secret.txt"
owner=$(stat -c %u "$T/share/secret.txt" 2>/dev/null)
[ "$owner" = "$ALICE_UID" ] && pass "secret.txt owned by alice's uid on disk" || fail "secret.txt owner is '$owner', want $ALICE_UID"
chmod 0600 "$T/share/secret.txt"
check_fail_out "bob cannot read alice's 0600 file" 'NT_STATUS_ACCESS_DENIED' \
  bob share -c "get secret.txt $T/stolen.txt"
[ ! -s "$T/stolen.txt" ] && pass "no bytes of the secret reached bob" || fail "bob got the secret"
check "alice still reads her file" alice share -c "get secret.txt $T/mine.txt"
cmp -s "$T/secret.txt" "$T/mine.txt" && pass "alice's copy matches" || fail "alice's copy matches"
check_fail_out "bob cannot delete alice's file in a sticky dir" 'NT_STATUS_ACCESS_DENIED|NT_STATUS_CANNOT_DELETE' \
  bob share -c "del secret.txt"
[ -f "$T/share/secret.txt" ] && pass "secret.txt still there" || fail "secret.txt was deleted by bob"
echo "bob's file" > "$T/b.txt"
check "bob uploads his own file" bob share -c "put $T/b.txt b.txt"
owner=$(stat -c %u "$T/share/b.txt" 2>/dev/null)
[ "$owner" = "$BOB_UID" ] && pass "b.txt owned by bob's uid" || fail "b.txt owner is '$owner', want $BOB_UID"
# Nothing created through the server is owned by root.
root_owned=$(find "$T/share" -mindepth 1 -uid 0 | head -n 3)
[ -z "$root_owned" ] && pass "no root-owned files in the share" || fail "root-owned files: $root_owned"
it_done
