#!/bin/bash
# Directory and metadata operations through smbclient.
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server

echo "data" > "$T/f.txt"
check "mkdir dir1" alice share -c "mkdir dir1"
[ -d "$T/share/dir1" ] && pass "dir1 exists on disk" || fail "dir1 exists on disk"
check "put into dir1" alice share -c "put $T/f.txt dir1\\f.txt"
check_out "ls dir1 shows f.txt" 'f\.txt +A? *[0-9]' alice share -c "ls dir1\\*"
check_out "ls lists dir1 as a directory" 'dir1 +D' alice share -c "ls"
check_out "allinfo f.txt" 'create_time:' alice share -c "allinfo dir1\\f.txt"
grep -q 'write_time:' "$T/last.out" && pass "allinfo has write_time" || fail "allinfo has write_time"
check "rename f.txt -> g.txt" alice share -c "rename dir1\\f.txt dir1\\g.txt"
[ -f "$T/share/dir1/g.txt" ] && [ ! -e "$T/share/dir1/f.txt" ] && pass "rename visible on disk" || fail "rename visible on disk"
check "setmode +r g.txt" alice share -c "setmode dir1\\g.txt +r"
check_out "allinfo shows the read-only attribute" 'attributes: .*R|attributes:.*\(1|attributes: .*0x[0-9a-f]*[13579bdf] ' \
  alice share -c "allinfo dir1\\g.txt"
check "setmode -r g.txt" alice share -c "setmode dir1\\g.txt -r"
check_fail_out "rmdir of a non-empty dir fails" 'NT_STATUS_DIRECTORY_NOT_EMPTY' alice share -c "rmdir dir1"
check "del g.txt" alice share -c "del dir1\\g.txt"
[ ! -e "$T/share/dir1/g.txt" ] && pass "deleted on disk" || fail "deleted on disk"
check "rmdir dir1" alice share -c "rmdir dir1"
[ ! -e "$T/share/dir1" ] && pass "dir1 removed on disk" || fail "dir1 removed on disk"
check_fail_out "get of a missing file" 'NT_STATUS_OBJECT_NAME_NOT_FOUND' alice share -c "get nothere.txt $T/x"
check_out "du reports the disk" 'blocks of size|blocks available' alice share -c "du"
it_done
