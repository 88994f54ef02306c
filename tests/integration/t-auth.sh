#!/bin/bash
# Authentication: good and wrong passwords, unknown users, guest mapping.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server
check "alice logs on" alice share -c ls
check "bob logs on" bob share -c ls
check_fail_out "wrong password -> NT_STATUS_LOGON_FAILURE" 'NT_STATUS_LOGON_FAILURE' \
  smbc share "$ALICE%wrong-password" -c ls
check_fail_out "known user, empty password -> NT_STATUS_LOGON_FAILURE" 'NT_STATUS_LOGON_FAILURE' \
  smbc share "$ALICE%" -c ls
# map to guest = bad user: an unknown user becomes the guest...
check_out "unknown user reaches the guest-ok share as guest" 'public\.txt' \
  smbc pub "nosuchuser%whatever" -c ls
check_out "anonymous (-N) reaches the guest-ok share" 'public\.txt' \
  timeout 60 smbclient //127.0.0.1/pub -p "$PORT" -N -c ls
# ...who may not use a share that is not guest ok.
check_fail_out "guest refused on a non-guest share" 'NT_STATUS_(ACCESS_DENIED|LOGON_FAILURE|BAD_NETWORK_NAME)' \
  smbc share "nosuchuser%whatever" -c ls
check_fail_out "guest cannot write to the read-only guest share" 'NT_STATUS_(ACCESS_DENIED|MEDIA_WRITE_PROTECTED)' \
  smbc pub "nosuchuser%whatever" -c "put $CONF x.conf"
# valid users: a user not listed is refused.
check_fail_out "missing share -> NT_STATUS_BAD_NETWORK_NAME" 'NT_STATUS_BAD_NETWORK_NAME' alice nosuchshare -c ls
it_done
