#!/bin/bash
# NT security descriptors end to end over SMB2 (docs/acl.md): the owner
# and DACL derived from the mode, setting a DACL (stored in user.cifsd.ntacl,
# mode kept in step), inheritance into a new file, and a DENY ACE that really
# denies the other user although the POSIX mode would let him in.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server

# smbcacls cannot reach another port than 445: acl_tool.py (impacket) reads
# and sets descriptors and prints them in smbcacls' numeric format.
acl_tool() { timeout 60 "$PY" "$(dirname "$0")/acl_tool.py" "$PORT" "$@"; }
acls_alice() { local f=$1; shift; acl_tool "$ALICE" "$ALICE_PW" share "$f" "${@:-get}"; }
acls_bob() { local f=$1; shift; acl_tool "$BOB" "$BOB_PW" share "$f" "${@:-get}"; }
BOB_SID="S-1-22-1-$BOB_UID"
ALICE_SID="S-1-22-1-$ALICE_UID"

echo "shared text" > "$T/a.txt"
check "alice uploads a.txt" alice share -c "put $T/a.txt a.txt"
check_out "owner of a.txt is alice's Unix SID" "^OWNER:$ALICE_SID\$" acls_alice a.txt
check_out "mode-derived DACL has an ACE for alice" "^ACL:$ALICE_SID:ALLOWED/0x0/" acls_alice a.txt
check_out "mode-derived DACL has an Everyone ACE" "^ACL:S-1-1-0:ALLOWED/0x0/" acls_alice a.txt

# Everyone may do everything, except bob, who may not read.
check "alice sets a DACL with a DENY ACE for bob" acls_alice a.txt \
  set "ACL:$BOB_SID:DENIED/0x0/0x00000001,ACL:S-1-1-0:ALLOWED/0x0/0x001f01ff"
check_out "the DENY ACE reads back first" "^ACL:$BOB_SID:DENIED/0x0/0x00000001" acls_alice a.txt
if getfattr -n user.cifsd.ntacl --only-values "$T/share/a.txt" >/dev/null 2>&1; then
  pass "descriptor stored in user.cifsd.ntacl"
else
  fail "no user.cifsd.ntacl on a.txt"
fi
mode=$(stat -c %a "$T/share/a.txt")
[ "$mode" = 666 ] && pass "mode follows the DACL (666: Everyone has full control, files get no x)" || fail "mode is $mode, want 666"
check_fail_out "bob cannot read a.txt (DENY ACE)" 'NT_STATUS_ACCESS_DENIED' \
  bob share -c "get a.txt $T/bob.txt"
[ ! -s "$T/bob.txt" ] && pass "no bytes reached bob" || fail "bob read a.txt"
check "alice reads a.txt" alice share -c "get a.txt $T/alice.txt"
cmp -s "$T/a.txt" "$T/alice.txt" && pass "alice's copy matches" || fail "alice's copy differs"

# Bob holds WRITE_OWNER through Everyone's full control, but the owner may
# only become a SID of his own token that the kernel lets the file have:
# taking ownership needs CAP_CHOWN.
check_out "bob cannot take ownership" 'STATUS_INVALID_OWNER|STATUS_ACCESS_DENIED' \
  acls_bob a.txt owner "$BOB_SID"

# Inheritance: a directory whose DACL is inheritable passes it on. The
# parent is not AUTO_INHERITED, so (as on Windows) the copies carry no
# INHERITED_ACE flag.
check "alice creates dir d" alice share -c "mkdir d"
check "alice sets an inheritable DACL on d" acls_alice d \
  set "ACL:$ALICE_SID:ALLOWED/0x3/0x001f01ff,ACL:S-1-3-0:ALLOWED/0xb/0x10000000,ACL:S-1-1-0:ALLOWED/0x1/0x00120089"
check "alice creates d/f.txt" alice share -c "put $T/a.txt d/f.txt"
check_out "f.txt inherited alice's ACE" "^ACL:$ALICE_SID:ALLOWED/0x0/0x001f01ff" acls_alice d/f.txt
check_out "f.txt inherited the Everyone read ACE" "^ACL:S-1-1-0:ALLOWED/0x0/0x00120089" acls_alice d/f.txt
n=$(acls_alice d/f.txt | grep -c "^ACL:$ALICE_SID:ALLOWED/0x0/0x001f01ff\$")
[ "$n" = 2 ] && pass "CREATOR OWNER became alice, GENERIC_ALL mapped" || fail "want 2 full-control ACEs for alice, got $n"
check "alice creates d/sub" alice share -c "mkdir d/sub"
check_out "sub keeps CREATOR OWNER inherit-only" "^ACL:S-1-3-0:ALLOWED/0xb/0x10000000" acls_alice d/sub
echo "bob was here" > "$T/b.txt"
check_fail_out "bob cannot write into d (no ADD_FILE for him)" 'NT_STATUS_ACCESS_DENIED' \
  bob share -c "put $T/b.txt d/bob.txt"
[ ! -e "$T/share/d/bob.txt" ] && pass "no d/bob.txt" || fail "bob created d/bob.txt"

# A chmod outside SMB makes the stored descriptor stale: the mode rules again.
chmod 0640 "$T/share/a.txt"
check_out "after a local chmod the DACL is mode-derived again" "^ACL:S-1-1-0:ALLOWED/0x0/0x00120088\$" acls_alice a.txt
it_done
