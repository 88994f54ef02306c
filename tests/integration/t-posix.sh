#!/bin/bash
# SMB 3.1.1 POSIX extensions (docs/posix-extensions.md) with our raw client
# (Samba 4.17's smbclient cannot ask for them): the negotiate context is
# answered, CREATE with the POSIX context applies the client's mode (within
# the share's masks) and returns link count / mode / owner / group, class 100
# works in QUERY_INFO (file and file system) and QUERY_DIRECTORY, and a
# connection that did not negotiate the extensions gets none of it.
. "$(dirname "$0")/lib.sh"
it_setup
if [ "$IT_SERVER" != cifsd ]; then echo "cifsd only"; it_done; fi
it_start_server

cat > "$T/posix.py" <<'PY'
import os, struct, sys
sys.path.insert(0, sys.argv[1])
import smb2raw as s2

port, user, pw = int(sys.argv[2]), sys.argv[3], sys.argv[4]
TAG = bytes.fromhex("93AD25509CB411E7B42383DE968BCD7C")

def conn(posix):
    c = s2.Conn(port)
    c.negotiate((0x311,), extra_contexts=[(0x100, TAG)] if posix else ())
    r = c.session_setup(user, pw)
    assert r.status == 0, hex(r.status)
    assert c.tree_connect("share").status == 0
    return c

def sid(b, o):
    rev, n = b[o], b[o + 1]
    auth = int.from_bytes(b[o + 2:o + 8], "big")
    subs = struct.unpack_from("<%dI" % n, b, o + 8)
    return "S-%d-%d-%s" % (rev, auth, "-".join(map(str, subs))), o + 8 + 4 * n

def contexts(r):
    off, ln = struct.unpack_from("<II", r.body, 80)
    out, o = {}, off
    while ln and o < len(r.raw):
        nxt, noff, nlen, _, doff, dlen = struct.unpack_from("<IHHHHI", r.raw, o)
        out[bytes(r.raw[o + noff:o + noff + nlen])] = bytes(r.raw[o + doff:o + doff + dlen])
        if not nxt:
            break
        o += nxt
    return out

def create(c, name, mode=None, options=0x40, disposition=2, data=None):
    ctx = s2.create_context(TAG, struct.pack("<I", mode) if data is None else data) \
        if (mode is not None or data is not None) else b""
    return c.call(s2.CREATE, s2.create_body(name, disposition=disposition, options=options, contexts=ctx))

def fid(r):
    return struct.unpack_from("<QQ", r.body, 64)

def query(c, f, itype, cls, out_len=4096):
    r = c.call(s2.QUERY_INFO, s2.query_info_body(f, itype, cls, out_len=out_len))
    if r.status:
        return r.status, b""
    off, ln = struct.unpack_from("<HI", r.body, 2)
    return 0, bytes(r.raw[off:off + ln])

c = conn(True)
print("negotiate-answered", c.answered_contexts.get(0x100) == TAG)
r = create(c, "px.txt", mode=0o640)
print("create-status", hex(r.status))
cc = contexts(r).get(TAG, b"")
if len(cc) >= 12:
    nlink, tag, wmode = struct.unpack_from("<III", cc, 0)
    owner, o = sid(cc, 12)
    group, o = sid(cc, o)
    print("cc", nlink, tag, oct(wmode), owner, group, o == len(cc))
f = fid(r)
c.write(f, b"hello posix")
st, d = query(c, f, 1, 100)
print("qinfo-status", hex(st), "len", len(d))
if len(d) >= 112:
    eof, alloc, attrs, ino, dev, zero, nlink, tag, wmode = struct.unpack_from("<QQIQIIIII", d, 32)
    owner, o = sid(d, 80)
    print("qinfo", eof, ino, nlink, oct(wmode), owner, o + 16 == len(d))
st, d = query(c, f, 1, 100, out_len=100)
print("qinfo-short", hex(st))
c.close_file(f)
r = create(c, "pxdir", mode=0o750, options=0x1)
print("mkdir-status", hex(r.status))
cc = contexts(r).get(TAG, b"")
print("mkdir-mode", oct(struct.unpack_from("<I", cc, 8)[0]) if len(cc) >= 12 else None)
c.close_file(fid(r))
r = create(c, "bad.txt", data=b"\1\2")
print("malformed-context", hex(r.status))
r = create(c, "", options=0x1, disposition=1)
root = fid(r)
r = c.call(s2.QUERY_DIRECTORY, s2.query_dir_body(root, "*", cls=100))
print("qdir-status", hex(r.status))
if r.status == 0:
    off, ln = struct.unpack_from("<HI", r.body, 2)
    b, o, names = r.raw, off, {}
    while True:
        nxt, = struct.unpack_from("<I", b, o)
        wmode, = struct.unpack_from("<I", b, o + 8 + 76)
        _, p = sid(b, o + 88)
        _, p = sid(b, p)
        nlen, = struct.unpack_from("<I", b, p)
        names[b[p + 4:p + 4 + nlen].decode("utf-16-le")] = wmode
        if not nxt:
            break
        o += nxt
    print("qdir", oct(names.get("px.txt", 0)), oct(names.get("pxdir", 0)), "." in names)
st, d = query(c, root, 2, 100)
if len(d) == 56:
    vals = struct.unpack("<IIQQQQQQ", d)
    sv = os.statvfs(sys.argv[5])
    print("fsinfo", vals[1] == sv.f_frsize, vals[2] == sv.f_blocks, vals[6] == sv.f_ffree or abs(vals[6] - sv.f_ffree) < 16)
else:
    print("fsinfo-status", hex(st), len(d))
c.close()

c = conn(False)
print("plain-negotiate-answered", 0x100 in c.answered_contexts)
r = create(c, "plain.txt", mode=0o600)
print("plain-create", hex(r.status), TAG in contexts(r))
f = fid(r)
st, d = query(c, f, 1, 100)
print("plain-qinfo", hex(st))
r = create(c, "", options=0x1, disposition=1)
r = c.call(s2.QUERY_DIRECTORY, s2.query_dir_body(fid(r), "*", cls=100))
print("plain-qdir", hex(r.status))
c.close()
PY

out=$($PY "$T/posix.py" "$IT_REPO/tests/hostile" "$PORT" "$ALICE" "$ALICE_PW" "$T/share" 2>&1)
echo "$out" | sed 's/^/    /'
check_out "the POSIX negotiate context is answered with the same tag" '^negotiate-answered True$' echo "$out"
check_out "CREATE with the POSIX context succeeds" '^create-status 0x0$' echo "$out"
check_out "its response context: 1 link, mode 0640 (regular file), owner and group as S-1-22 SIDs" \
  "^cc 1 0 0o640 S-1-22-1-$ALICE_UID S-1-22-2-[0-9]+ True$" echo "$out"
check "the file on disk has mode 0640" test "$(stat -c %a "$T/share/px.txt")" = 640
check_out "FilePosixInformation (class 100) is 112 bytes" '^qinfo-status 0x0 len 112$' echo "$out"
ino=$(stat -c %i "$T/share/px.txt")
check_out "...with size, inode, links, mode and owner" "^qinfo 11 $ino 1 0o640 S-1-22-1-$ALICE_UID True$" echo "$out"
check_out "a buffer shorter than it is INFO_LENGTH_MISMATCH" '^qinfo-short 0xc0000004$' echo "$out"
check_out "a directory created with mode 0750" '^mkdir-status 0x0$' echo "$out"
check_out "...reports type directory (1 << 12) and 0750" '^mkdir-mode 0o10750$' echo "$out"
check "...and has mode 0750 on disk" test "$(stat -c %a "$T/share/pxdir")" = 750
check_out "a POSIX context shorter than its mode is INVALID_PARAMETER" '^malformed-context 0xc000000d$' echo "$out"
check_out "QUERY_DIRECTORY class 100 succeeds" '^qdir-status 0x0$' echo "$out"
check_out "...with each entry's POSIX mode" '^qdir 0o640 0o10750 True$' echo "$out"
check_out "FileFsPosixInformation matches statvfs" '^fsinfo True True True$' echo "$out"
check_out "without the negotiate context nothing is answered" '^plain-negotiate-answered False$' echo "$out"
check_out "...a POSIX create context is ignored" '^plain-create 0x0 False$' echo "$out"
check "...so the share's mask applies (0644)" test "$(stat -c %a "$T/share/plain.txt")" = 644
check_out "...class 100 is INVALID_INFO_CLASS in QUERY_INFO" '^plain-qinfo 0xc0000003$' echo "$out"
check_out "...and in QUERY_DIRECTORY" '^plain-qdir 0xc0000003$' echo "$out"
it_done
