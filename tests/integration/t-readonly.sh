#!/bin/bash
# A read-only share serves reads and refuses every write.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server
check "get from the read-only share" alice ro -c "get readme.txt $T/readme.txt"
cmp -s "$T/ro/readme.txt" "$T/readme.txt" && pass "content matches" || fail "content matches"
check_fail_out "put refused on the read-only share" 'NT_STATUS_(ACCESS_DENIED|MEDIA_WRITE_PROTECTED)' \
  alice ro -c "put $CONF new.txt"
[ ! -e "$T/ro/new.txt" ] && pass "nothing created" || fail "new.txt was created"
check_fail_out "mkdir refused on the read-only share" 'NT_STATUS_(ACCESS_DENIED|MEDIA_WRITE_PROTECTED)' \
  alice ro -c "mkdir d"
check_fail_out "del refused on the read-only share" 'NT_STATUS_(ACCESS_DENIED|MEDIA_WRITE_PROTECTED|CANNOT_DELETE)' \
  alice ro -c "del readme.txt"
[ -e "$T/ro/readme.txt" ] && pass "readme.txt still there" || fail "readme.txt deleted"
it_done
