#!/bin/bash
# NT security descriptors end to end with smbcacls (docs/acl.md): the owner
# and DACL derived from the mode, setting a DACL (stored in user.cifsd.ntacl,
# mode kept in step), inheritance into a new file, and a DENY ACE that really
# denies the other user although the POSIX mode would let him in.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server

# smbcacls has no -p: the client side "smb ports" option picks the port.
# --numeric: no LSA lookups (SIDs stay S-1-22-1-uid).
cacls() {
  local cred=$1
  shift
  timeout 60 smbcacls "//127.0.0.1/share" --option="smb ports=$PORT" -U "$cred" --numeric "$@"
}
acls_alice() { cacls "$ALICE%$ALICE_PW" "$@"; }
acls_bob() { cacls "$BOB%$BOB_PW" "$@"; }
BOB_SID="S-1-22-1-$BOB_UID"
ALICE_SID="S-1-22-1-$ALICE_UID"

echo "shared text" > "$T/a.txt"
check "alice uploads a.txt" alice share -c "put $T/a.txt a.txt"
check_out "owner of a.txt is alice's Unix SID" "^OWNER:$ALICE_SID\$" acls_alice a.txt
check_out "mode-derived DACL has an ACE for alice" "^ACL:$ALICE_SID:ALLOWED/0x0/" acls_alice a.txt
check_out "mode-derived DACL has an Everyone ACE" "^ACL:S-1-1-0:ALLOWED/0x0/" acls_alice a.txt

# Everyone may do everything, except bob, who may not read.
check "alice sets a DACL with a DENY ACE for bob" acls_alice a.txt \
  -S "ACL:$BOB_SID:DENIED/0x0/0x00000001,ACL:S-1-1-0:ALLOWED/0x0/0x001f01ff"
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
echo "bob was here" > "$T/b.txt"
check "bob may still write a.txt (only READ_DATA denied)" bob share -c "put $T/b.txt a.txt"
check "alice reads a.txt" alice share -c "get a.txt $T/alice.txt"
cmp -s "$T/b.txt" "$T/alice.txt" && pass "alice sees bob's write" || fail "alice's copy differs"

# Bob is not the owner and holds no WRITE_DAC through the DACL above? He
# does (FILE_ALL_ACCESS for Everyone), but taking ownership needs CAP_CHOWN.
check_out "bob cannot take ownership" 'NT_STATUS_INVALID_OWNER|NT_STATUS_ACCESS_DENIED' \
  acls_bob a.txt -C "$BOB_SID"

# Inheritance: a directory whose DACL is inheritable passes it on.
check "alice creates dir d" alice share -c "mkdir d"
check "alice sets an inheritable DACL on d" acls_alice d \
  -S "ACL:$ALICE_SID:ALLOWED/0x3/0x001f01ff,ACL:S-1-3-0:ALLOWED/0xb/0x10000000,ACL:S-1-1-0:ALLOWED/0x1/0x00120089"
check "alice creates d/f.txt" alice share -c "put $T/a.txt d/f.txt"
check_out "f.txt inherited alice's ACE (INHERITED flag)" "^ACL:$ALICE_SID:ALLOWED/0x10/0x001f01ff" acls_alice d/f.txt
check_out "f.txt inherited the Everyone read ACE" "^ACL:S-1-1-0:ALLOWED/0x10/0x00120089" acls_alice d/f.txt
check_out "CREATOR OWNER became alice, generic mapped" "^ACL:$ALICE_SID:ALLOWED/0x10/0x001f01ff" acls_alice d/f.txt
check "alice creates d/sub" alice share -c "mkdir d/sub"
check_out "sub keeps CREATOR OWNER inherit-only" "^ACL:S-1-3-0:ALLOWED/0x1b/0x10000000" acls_alice d/sub
check_fail_out "bob cannot write into d (no ADD_FILE for him)" 'NT_STATUS_ACCESS_DENIED' \
  bob share -c "put $T/b.txt d/bob.txt"
[ ! -e "$T/share/d/bob.txt" ] && pass "no d/bob.txt" || fail "bob created d/bob.txt"

# A chmod outside SMB makes the stored descriptor stale: the mode rules again.
chmod 0640 "$T/share/a.txt"
check_out "after a local chmod the DACL is mode-derived again" "^ACL:S-1-1-0:ALLOWED/0x0/0x00120088\$" acls_alice a.txt
it_done
