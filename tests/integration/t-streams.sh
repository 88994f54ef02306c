#!/bin/bash
# Named streams (xattr store) and 8.3 short names through smbclient:
# put/get of "file:stream", allinfo's stream list and altname, case-insensitive
# stream names, rename keeping streams, stream delete, the size limit,
# lookup by short name. docs/streams.md, docs/short-names.md
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server

printf 'base data\n' > "$T/base.txt"
printf 'stream one data\n' > "$T/s1.txt"
head -c 200000 /dev/zero | tr '\0' x > "$T/big.txt"

check "put f.txt" alice share -c "put $T/base.txt f.txt"
check "put into the stream f.txt:s1" alice share -c "put $T/s1.txt f.txt:s1"
if [ "$IT_SERVER" = cifsd ]; then
  check_out "the stream is the xattr user.cifsd.stream.s1" 'stream one data' \
    getfattr --only-values -n user.cifsd.stream.s1 "$T/share/f.txt"
fi
cmp -s "$T/base.txt" "$T/share/f.txt" && pass "the file's own data is untouched" || fail "the file's own data is untouched"
check_out "allinfo lists the default stream" 'stream: \[::\$DATA\], 10 bytes' alice share -c "allinfo f.txt"
grep -q 'stream: \[:s1:\$DATA\], 16 bytes' "$T/last.out" && pass "allinfo lists :s1:\$DATA with its size" \
  || { fail "allinfo lists :s1:\$DATA with its size"; sed 's/^/    | /' "$T/last.out"; }
rm -f "$T/got.txt"
check "get f.txt:s1" alice share -c "get f.txt:s1 $T/got.txt"
cmp -s "$T/s1.txt" "$T/got.txt" && pass "stream content round-trips" || fail "stream content round-trips"
rm -f "$T/got.txt"
check "get f.txt:S1:\$DATA (case-insensitive name, explicit type)" alice share -c "get f.txt:S1:\$DATA $T/got.txt"
cmp -s "$T/s1.txt" "$T/got.txt" && pass "same stream by another spelling" || fail "same stream by another spelling"
check_fail_out "an invalid stream type" 'NT_STATUS_OBJECT_NAME_INVALID' alice share -c "get f.txt:s1:\$FOO $T/x"
check_fail_out "a missing stream" 'NT_STATUS_OBJECT_NAME_NOT_FOUND' alice share -c "get f.txt:nope $T/x"
check_out "ls shows the file" 'f\.txt' alice share -c "ls"
grep -q 's1' "$T/last.out" && fail "ls does not list streams" || pass "ls does not list streams"
check "rename f.txt g.txt" alice share -c "rename f.txt g.txt"
check_out "the stream moved with the file" 'stream: \[:s1:\$DATA\]' alice share -c "allinfo g.txt"
check_fail_out "a stream beyond the size limit" 'NT_STATUS_DISK_FULL' alice share -c "put $T/big.txt g.txt:big"
# smbclient's del lists its argument as a mask, which never matches a
# stream; overwrite the stream instead (smbtorture covers stream deletes).
: > "$T/empty.txt"
check "overwrite g.txt:s1 with nothing" alice share -c "put $T/empty.txt g.txt:s1"
check_out "the stream is empty now" 'stream: \[:s1:\$DATA\], 0 bytes' alice share -c "allinfo g.txt"
[ -f "$T/share/g.txt" ] && pass "the file survives its stream's delete" || fail "the file survives its stream's delete"
check "a stream on a directory" alice share -c "mkdir d; put $T/s1.txt d:ds"
check_out "allinfo of the directory lists its stream" 'stream: \[:ds:\$DATA\]' alice share -c "allinfo d"

# 8.3 short names
check "put a long name" alice share -c "put $T/base.txt \"A long file name.text\""
check_out "allinfo shows a generated altname" 'altname: ALO~[0-9A-Z]{4}\.TEX' alice share -c "allinfo \"A long file name.text\""
short=$(sed -n 's/^altname: //p' "$T/last.out" | tr -d '\r')
rm -f "$T/got.txt"
check "get by the short name $short" alice share -c "get $short $T/got.txt"
cmp -s "$T/base.txt" "$T/got.txt" && pass "the short name opens the long one" || fail "the short name opens the long one"
check_out "an 8.3 name is its own altname" 'altname: g\.txt' alice share -c "allinfo g.txt"
it_done
