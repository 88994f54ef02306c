#!/bin/bash
# Escaping the share: "..", absolute paths and symlinks leading outside.
. "$(dirname "$0")/lib.sh"
it_setup
ln -s /etc "$T/share/etclink"
ln -s /etc/passwd "$T/share/pwlink"
ln -s ../ro "$T/share/uplink"
mkdir -p "$T/share/sub"
it_start_server
check_fail_out "get etclink/passwd (symlink to /etc) fails" 'NT_STATUS_' \
  alice share -c "get etclink\\passwd $T/out1"
[ ! -s "$T/out1" ] && pass "no /etc/passwd bytes via a dir symlink" || fail "got /etc/passwd via etclink"
check_fail_out "get pwlink (symlink to /etc/passwd) fails" 'NT_STATUS_' \
  alice share -c "get pwlink $T/out2"
[ ! -s "$T/out2" ] && pass "no /etc/passwd bytes via a file symlink" || fail "got /etc/passwd via pwlink"
check_fail_out "get uplink/readme.txt (symlink to a sibling dir) fails" 'NT_STATUS_' \
  alice share -c "get uplink\\readme.txt $T/out3"
check_fail_out "get ../../etc/passwd fails" 'NT_STATUS_' \
  alice share -c "get ../../etc/passwd $T/out4"
[ ! -s "$T/out4" ] && pass "no bytes via .." || fail "got a file via .."
check_fail_out "get sub\\..\\..\\ro\\readme.txt fails" 'NT_STATUS_' \
  alice share -c "get sub\\..\\..\\ro\\readme.txt $T/out5"
[ ! -s "$T/out5" ] && pass "no bytes via sub\\..\\.." || fail "got a file via sub\\..\\.."
check_fail_out "put through the /etc symlink fails" 'NT_STATUS_' \
  alice share -c "put $CONF etclink\\cifsd-it-should-not-exist"
[ ! -e /etc/cifsd-it-should-not-exist ] && pass "nothing written to /etc" || { fail "wrote into /etc"; rm -f /etc/cifsd-it-should-not-exist; }
# (smbclient may normalise "..\\x.txt" itself; what matters is where the file ends up)
alice share -c "put $CONF x.txt; rename x.txt ..\\x.txt" >/dev/null 2>&1
[ ! -e "$T/x.txt" ] && pass "rename did not leave the share" || fail "rename moved a file out of the share"
it_done
