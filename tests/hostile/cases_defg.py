"""Hostile inputs of classes D (authentication/authorization), E (security
descriptors, EAs, streams), F (escaping the share) and G (the IPC trust
boundary) of ../shared/design/security.md."""
import os
import re
import struct
import threading
import time

import smb2raw as s2
from cases_abc import DISC, INVAL, LONG, fresh, open_file, sess
from harness import (ALICE, ALICE_PW, BOB, BOB_PW, PORT, TDIR, newest_session, outcome,
                     status_field)

SHARE = os.path.join(TDIR, "share")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def challenge_of(r):
    off, ln = struct.unpack_from("<HH", r.body, 4)
    return s2.ntlmssp_from(r.raw[off:off + ln])


def first_leg(c):
    return c.call(s2.SESSION_SETUP, s2.session_setup_body(s2.spnego_init(s2.ntlm_negotiate())), sid=0)


# ------------------------------------------------------------------ class D
def d_ntlm_fields(S):
    """AUTHENTICATE with short, huge or inconsistent LM/NT/session-key fields."""
    cases = [
        ("NT response empty", {"nt": b""}), ("NT response 1 byte", {"nt": b"\1"}),
        ("NT response 16 bytes", {"nt": b"\0" * 16}), ("NT response 23 bytes", {"nt": b"\0" * 23}),
        ("NT response 24 bytes (v1 length)", {"nt": b"\0" * 24}),
        ("NT response 44 bytes, no AV pairs", {"nt": b"\0" * 16 + b"\1\1" + b"\0" * 26}),
        ("NT response 8 KiB", {"nt": os.urandom(8192)}), ("LM response 8 KiB", {"lm": os.urandom(8192)}),
        ("LM response 1 byte", {"lm": b"\0"}),
        ("session key 0 bytes", {"key": b""}), ("session key 15 bytes", {"key": b"\0" * 15}),
        ("session key 17 bytes", {"key": b"\0" * 17}), ("session key 1000 bytes", {"key": b"\0" * 1000}),
        ("user name odd length", {"user": b"abc"}), ("user name 4 KiB", {"user": s2.utf16("u" * 2048)}),
        ("domain 4 KiB", {"domain": s2.utf16("d" * 2048)}),
        ("user name invalid UTF-16", {"user": b"\x00\xd8\x00\xd8"}),
        ("NT field offset past the end", {"nt": (200, 60000, b"")}),
        ("NT field offset+length wrapping", {"nt": (0xFFFF, 0xFFFFFFF0, b"")}),
        ("LM field offset inside the header", {"lm": (24, 8, b"")}),
        ("user field offset 0xFFFFFFFF", {"user": (4, 0xFFFFFFFF, b"")}),
        ("key field length 0xFFFF", {"key": (0xFFFF, 88, b"")}),
    ]
    for what, ov in cases:
        c = fresh()
        r = first_leg(c)
        try:
            auth, _ = s2.ntlm_authenticate(ALICE, ALICE_PW, "", challenge_of(r), ov)
        except Exception as e:  # noqa: BLE001
            S.check("D", what, False, repr(e))
            continue
        got = outcome(c, [c.build(s2.SESSION_SETUP, s2.session_setup_body(s2.spnego_resp(auth)), sid=r.sid)])
        allowed = {"LOGON_FAILURE", "INVALID_PARAMETER", "ACCESS_DENIED"} | DISC
        if what.startswith(("session key 0", "LM response", "domain", "session key 1")):
            allowed |= {"SUCCESS"}  # fields a server may legitimately ignore
        if got[0] == "SUCCESS" and what.startswith(("NT", "user", "key", "LM field")):
            allowed = set()
        S.expect("D", "AUTHENTICATE " + what, got, allowed)
        c.close()
    # messages that are not AUTHENTICATE at all in the second leg
    for what, blob in [("NEGOTIATE again", s2.ntlm_negotiate()), ("truncated header", b"NTLMSSP\0\3\0\0\0"),
                       ("type 2 (CHALLENGE)", b"NTLMSSP\0\2\0\0\0" + b"\0" * 40),
                       ("type 0xFFFFFFFF", b"NTLMSSP\0\xff\xff\xff\xff" + b"\0" * 80),
                       ("garbage", os.urandom(200))]:
        c = fresh()
        r = first_leg(c)
        got = outcome(c, [c.build(s2.SESSION_SETUP, s2.session_setup_body(s2.spnego_resp(blob)), sid=r.sid)])
        S.expect("D", "second leg: " + what, got,
                 {"LOGON_FAILURE", "INVALID_PARAMETER", "ACCESS_DENIED", "MORE_PROCESSING_REQUIRED"} | DISC)
        c.close()
    # SPNEGO wrappers that lie about their lengths
    for what, blob in [("DER length 0x84 form", b"\x60\x84\xff\xff\xff\xff"),
                       ("DER length past the end", b"\x60\x82\x40\x00\x06\x06"),
                       ("empty", b""), ("mechToken absent", s2.der(0x60, s2.SPNEGO_OID + s2.der(0xA0, b"\x30\x00"))),
                       ("deep nesting", b"\x30\x80" * 2000)]:
        c = fresh()
        got = outcome(c, [c.build(s2.SESSION_SETUP, s2.session_setup_body(blob), sid=0)])
        S.expect("D", "SPNEGO " + what, got,
                 {"LOGON_FAILURE", "INVALID_PARAMETER", "ACCESS_DENIED", "MORE_PROCESSING_REQUIRED"} | DISC)
        c.close()


def d_mixing(S):
    """Compounds mixing SessionId and TreeId of two users on one connection.
    TreeIds are per session, so alice gets two trees and bob one: alice's
    second TreeId names nothing in bob's session."""
    c = sess("alice")
    a_sid, a_tid = c.sid, c.tid
    fid = open_file(c, "mine.txt", b"alice's")
    a_tid2 = c.tree_connect("pub").tid
    c.tid = a_tid
    r = c.session_setup(BOB, BOB_PW)
    b_sid = c.sid
    S.check("D", "second session on the connection", r.status == 0, s2.st_name(r.status))
    r = c.call(s2.TREE_CONNECT, s2.tree_connect_body("\\\\x\\alice"), tid=0)
    S.expect("D", "bob connects alice's share", s2.st_name(r.status), {"ACCESS_DENIED", "BAD_NETWORK_NAME"})
    r = c.call(s2.TREE_CONNECT, s2.tree_connect_body("\\\\x\\share"), tid=0)
    b_tid = r.tid
    foreign = [t for t in (a_tid, a_tid2) if t != b_tid]
    for t in foreign:
        got = outcome(c, [c.build(s2.READ, s2.read_body(fid, 7), sid=b_sid, tid=t)])
        S.expect("D", "READ with bob's session + alice's TreeId %d" % t, got, {"NETWORK_NAME_DELETED"})
        got = outcome(c, [c.build(s2.CREATE, s2.create_body("mine.txt", disposition=1), sid=b_sid, tid=t)])
        S.expect("D", "CREATE with bob's session + alice's TreeId %d" % t, got, {"NETWORK_NAME_DELETED"})
    got = outcome(c, [c.build(s2.READ, s2.read_body(fid, 7), sid=b_sid, tid=b_tid)])
    S.expect("D", "bob reads alice's FileId through his own tree", got, {"FILE_CLOSED"})
    got = outcome(c, [c.build(s2.CLOSE, s2.close_body(fid), sid=b_sid, tid=b_tid)])
    S.expect("D", "bob closes alice's FileId", got, {"FILE_CLOSED"})
    got = outcome(c, [c.build(s2.READ, s2.read_body(fid, 7), sid=a_sid ^ 0xFF, tid=a_tid)])
    S.expect("D", "READ with a SessionId that names nothing", got, {"USER_SESSION_DELETED"})
    # compound: alice's CREATE, then a related READ sent with bob's ids
    rs = c.compound([(s2.CREATE, s2.create_body("mine.txt", disposition=1), {"sid": a_sid, "tid": a_tid}),
                     (s2.READ, s2.read_body((2**64 - 1,) * 2, 7), {"sid": b_sid, "tid": b_tid,
                                                                   "flags": s2.FLAG_RELATED})])
    got = [s2.st_name(x.status) for x in rs]
    S.check("D", "related READ inherits alice's ids (bob's in the header are ignored)",
            got[0] == "SUCCESS" and got[1] == "SUCCESS" and rs[1].sid == a_sid, got)
    # unrelated second message with bob's session and the placeholder id
    rs = c.compound([(s2.CREATE, s2.create_body("mine.txt", disposition=1), {"sid": a_sid, "tid": a_tid}),
                     (s2.READ, s2.read_body((2**64 - 1,) * 2, 7), {"sid": b_sid, "tid": b_tid})])
    got = [s2.st_name(x.status) for x in rs]
    S.check("D", "unrelated READ with bob's ids and the placeholder FileId",
            got[0] == "SUCCESS" and got[1] in ("FILE_CLOSED", "INVALID_PARAMETER"), got)
    # bob's session, alice's tree, in the related half of a compound started by bob
    rs = c.compound([(s2.ECHO, s2.simple_body(), {"sid": b_sid, "tid": b_tid}),
                     (s2.READ, s2.read_body(fid, 7), {"sid": a_sid, "tid": a_tid, "flags": s2.FLAG_RELATED})])
    got = [s2.st_name(x.status) for x in rs]
    S.check("D", "related READ of alice's FileId in a compound started by bob", got[1] != "SUCCESS", got)
    c.close()


def d_signing(S):
    """Unsigned and badly signed requests on a session that must sign."""
    for dialect in [(0x210,), (0x311,)]:
        c = s2.Conn(PORT)
        c.negotiate(dialect, security_mode=3)  # signing required by the client
        r = c.session_setup(ALICE, ALICE_PW)
        c.sign_all = True
        c.tree_connect("share")
        S.expect("D", "signed ECHO (%x)" % dialect[0], outcome(c, [c.build(s2.ECHO, s2.simple_body())]),
                 {"SUCCESS"})
        c.sign_all = False
        for what, cmd, body in [("TREE_CONNECT", s2.TREE_CONNECT, s2.tree_connect_body("\\\\x\\share")),
                                ("CREATE", s2.CREATE, s2.create_body("s.txt", disposition=5))]:
            got = outcome(c, [c.build(cmd, body, tid=0 if cmd == s2.TREE_CONNECT else None)])
            S.expect("D", "unsigned %s when signing is required (%x)" % (what, dialect[0]), got,
                     {"ACCESS_DENIED"} | DISC)
            if got == ["DISCONNECT"]:
                break
            m = bytearray(c.sign(c.build(cmd, body)))
            m[50] ^= 0x40
            got = outcome(c, [bytes(m)])
            S.expect("D", "bad signature on %s (%x)" % (what, dialect[0]), got, {"ACCESS_DENIED"} | DISC)
            m = bytearray(c.sign(c.build(cmd, body)))
            m[-1] ^= 1
            got = outcome(c, [bytes(m)])
            S.expect("D", "signed %s modified after signing (%x)" % (what, dialect[0]), got,
                     {"ACCESS_DENIED"} | DISC)
        c.close()


def anonymous_auth(chal):
    flags = 0x00000001 | 0x00000200 | 0x00000800 | 0x00080000
    payload = b"\0"  # LM: one zero byte, as anonymous clients send
    hdr = struct.pack("<HHI", 1, 1, 88) + struct.pack("<HHI", 0, 0, 89) * 5
    return b"NTLMSSP\0" + struct.pack("<I", 3) + hdr + struct.pack("<I", flags) + b"\0" * 24 + payload


def d_anonymous(S):
    """restrict anonymous = 2: a null session reaches neither IPC$ nor shares."""
    c = fresh()
    r = c.session_setup("", "", raw_auth=anonymous_auth)
    S.check("D", "anonymous SESSION_SETUP", r.status in (0, 0xC000006D, 0xC0000022), s2.st_name(r.status))
    if r.status == 0:
        # documented (smb.conf(5)): level 2 closes IPC$; disk shares need guest ok
        for share, allowed in [("IPC$", {"ACCESS_DENIED"}), ("share", {"ACCESS_DENIED"}),
                               ("alice", {"ACCESS_DENIED"}), ("pub", {"SUCCESS"})]:
            r = c.tree_connect(share)
            S.expect("D", "anonymous TREE_CONNECT %s under restrict anonymous = 2" % share,
                     s2.st_name(r.status), allowed)
    c.close()
    # guest (map to guest = bad user): unknown user; only guest-ok shares
    c = fresh()
    r = c.session_setup("nosuchuser", "whatever")
    if r.status == 0:
        for share, allowed in [("share", {"ACCESS_DENIED"}), ("alice", {"ACCESS_DENIED"}),
                               ("pub", {"SUCCESS"})]:
            S.expect("D", "guest TREE_CONNECT %s" % share, s2.st_name(c.tree_connect(share).status), allowed)
    else:
        S.check("D", "guest session for an unknown user", False, s2.st_name(r.status))
    c.close()


def d_constant_time_and_throttle(S):
    """MACs are compared with CRYPTO_memcmp (source check) and repeated wrong
    passwords are slowed down."""
    bad = []
    for root in ["smbd-session", "smbd-auth", "common"]:
        for dp, _, files in os.walk(os.path.join(REPO, root)):
            for f in files:
                if f.endswith(".cc"):
                    text = open(os.path.join(dp, f), encoding="utf-8", errors="replace").read()
                    for m in re.finditer(r"\bmemcmp\s*\(([^;]*)", text):
                        if "kSignature" in m.group(1):
                            continue  # the "NTLMSSP" magic, not a MAC
                        if re.search(r"sig|mac|tag|proof|digest|hash|mic", m.group(1), re.I):
                            bad.append("%s: %s" % (f, m.group(0)[:80]))
    S.check("D", "no plain memcmp on a MAC, tag or proof", not bad, bad)
    t0 = time.time()
    codes = []
    for i in range(6):
        c = fresh()
        codes.append(s2.st_name(c.session_setup(ALICE, "wrong-%d" % i).status))
        c.close()
    dt = time.time() - t0
    S.check("D", "6 wrong passwords for a known user fail", all(x == "LOGON_FAILURE" for x in codes), codes)
    S.check("D", "6 wrong passwords are slowed down (>= 1 s in total)", dt >= 1.0, "%.2fs" % dt)
    # the right password still works afterwards (possibly after the delay)
    c = fresh()
    S.expect("D", "right password after the failures", s2.st_name(c.session_setup(ALICE, ALICE_PW).status),
             {"SUCCESS"})
    c.close()


# ------------------------------------------------------------------ class E
def sid(rev=1, auth=5, subs=(32, 544)):
    return struct.pack("<BB", rev, len(subs)) + struct.pack(">Q", auth)[2:] + \
        b"".join(struct.pack("<I", x) for x in subs)


def acl(aces, count=None, size=None, rev=2):
    body = b"".join(aces)
    return struct.pack("<BBHHH", rev, 0, 8 + len(body) if size is None else size,
                       len(aces) if count is None else count, 0) + body


def ace(t=0, mask=0x1F01FF, s=None, size=None):
    s = s if s is not None else sid()
    return struct.pack("<BBHI", t, 0, 8 + len(s) if size is None else size, mask) + s


def sd(owner=None, group=None, dacl=None, control=0x8004, rev=1, offs=None):
    parts = b""
    o = [0, 0, 0, 0]
    cur = 20
    for i, p in [(0, owner), (1, group), (3, dacl)]:
        if p is not None:
            o[i] = cur
            parts += p
            cur += len(p)
    if offs:
        o = list(offs)
    return struct.pack("<BBHIIII", rev, 0, control, *o) + parts


def e_descriptors(S):
    c = sess()
    fid = open_file(c, "sd.txt")
    cases = [
        ("owner offset past the end", sd(sid(), offs=(4000, 0, 0, 0))),
        ("owner offset 0xFFFFFFFF", sd(sid(), offs=(0xFFFFFFFF, 0, 0, 0))),
        ("dacl offset inside the header", sd(dacl=acl([ace()]), offs=(0, 0, 0, 4))),
        ("dacl offset wrapping", sd(dacl=acl([ace()]), offs=(0, 0, 0, 0xFFFFFFF8))),
        ("SID with 16 sub-authorities", sd(owner=sid(subs=tuple(range(16))))),
        ("SID with 255 sub-authorities (short)", sd(owner=sid(subs=(1,))[:1] + b"\xff" + b"\0" * 14)),
        ("SID revision 7", sd(owner=sid(rev=7))),
        ("ACE count 0xFFFF", sd(dacl=acl([ace()], count=0xFFFF))),
        ("ACL size 0xFFFF", sd(dacl=acl([ace()], size=0xFFFF))),
        ("ACL size 4", sd(dacl=acl([ace()], size=4))),
        ("ACE size 0", sd(dacl=acl([ace(size=0)]))),
        ("ACE size 4", sd(dacl=acl([ace(size=4)]))),
        ("ACE size past the ACL", sd(dacl=acl([ace(size=0x7FF0)]))),
        ("ACE SID longer than the ACE", sd(dacl=acl([ace(s=sid(subs=tuple(range(10))), size=16)]))),
        ("unknown ACE type", sd(dacl=acl([ace(t=0x42)]))),
        ("SD revision 2", sd(sid(), rev=2)),
        ("not self-relative", sd(sid(), control=0x0004)),
        ("8-byte descriptor", b"\1\0\4\x80\0\0\0\0"),
        ("empty descriptor", b""),
    ]
    for what, data in cases:
        for add in [0x1, 0x4]:
            got = outcome(c, [c.build(s2.SET_INFO, s2.set_info_body(fid, 3, 0, data, add_info=add))])
            S.expect("E", "SET_INFO SD %s (info 0x%x)" % (what, add), got,
                     INVAL | {"INVALID_SECURITY_DESCR", "INVALID_SID", "INVALID_ACL", "NOT_SUPPORTED",
                              "ACCESS_DENIED", "INVALID_OWNER", "INFO_LENGTH_MISMATCH", "UNKNOWN_REVISION",
                              "REVISION_MISMATCH"})
        ctx = s2.create_context(b"SecD", data)
        got = outcome(c, [c.build(s2.CREATE, s2.create_body("sd2.txt", disposition=5, contexts=ctx))])
        # SUCCESS: SecD is ignored today; once parsed, these inputs reach it
        S.expect("E", "CREATE SecD %s" % what, got,
                 INVAL | {"SUCCESS", "INVALID_SECURITY_DESCR", "INVALID_SID", "INVALID_ACL", "NOT_SUPPORTED",
                          "ACCESS_DENIED", "INVALID_OWNER", "UNKNOWN_REVISION", "REVISION_MISMATCH"} | DISC)
        if got == ["DISCONNECT"]:
            c = sess()
            fid = open_file(c, "sd.txt")
    # QUERY_INFO SD with every small output size (the answer must not overrun)
    for add in [0x1, 0x2, 0x4, 0x7, 0xFFFFFFFF]:
        for out_len in [0, 1, 8, 19, 20, 65536]:
            got = outcome(c, [c.build(s2.QUERY_INFO, s2.query_info_body(fid, 3, 0, out_len=out_len, add_info=add))])
            S.expect("E", "QUERY_INFO SD add 0x%x out %d" % (add, out_len), got,
                     {"SUCCESS", "BUFFER_TOO_SMALL", "BUFFER_OVERFLOW", "INVALID_PARAMETER", "NOT_SUPPORTED",
                      "ACCESS_DENIED", "INFO_LENGTH_MISMATCH"})
    c.close()


def e_roundtrip(S):
    """SET_INFO then QUERY_INFO round trips (basic info, end of file)."""
    c = sess()
    fid = open_file(c, "rt.txt", b"12345")
    t = 132000000000000000
    basic = struct.pack("<QQQQII", t, t + 1, t + 2, t + 3, 0x20, 0)
    S.expect("E", "SET_INFO basic", outcome(c, [c.build(s2.SET_INFO, s2.set_info_body(fid, 1, 4, basic))]),
             {"SUCCESS"})
    r = c.call(s2.QUERY_INFO, s2.query_info_body(fid, 1, 4, out_len=40))
    got = struct.unpack_from("<QQQQI", r.raw, struct.unpack_from("<H", r.body, 2)[0]) if r.status == 0 else None
    S.check("E", "QUERY_INFO basic after SET_INFO", got is not None and got[2] == t + 2, got)
    for size in [0, 7, 1 << 20]:
        S.expect("E", "SET_INFO end of file %d" % size,
                 outcome(c, [c.build(s2.SET_INFO, s2.set_info_body(fid, 1, 20, struct.pack("<Q", size)))]),
                 {"SUCCESS"})
        r = c.call(s2.QUERY_INFO, s2.query_info_body(fid, 1, 5, out_len=24))
        eof = struct.unpack_from("<Q", r.raw, struct.unpack_from("<H", r.body, 2)[0] + 8)[0] if r.status == 0 else None
        S.check("E", "QUERY_INFO standard shows size %d" % size, eof == size, eof)
    for size in [2**63, 2**64 - 1, 2**63 - 1]:
        got = outcome(c, [c.build(s2.SET_INFO, s2.set_info_body(fid, 1, 20, struct.pack("<Q", size)))])
        S.expect("E", "SET_INFO end of file 0x%x" % size, got,
                 INVAL | {"DISK_FULL", "FILE_TOO_LARGE" if False else "DISK_FULL", "NOT_SUPPORTED"})
    # wrong buffer sizes for fixed-size classes
    for cls, ln in [(4, 39), (4, 36), (20, 7), (13, 0), (14, 3), (10, 10), (11, 10), (16, 3)]:
        got = outcome(c, [c.build(s2.SET_INFO, s2.set_info_body(fid, 1, cls, b"\0" * ln))])
        S.expect("E", "SET_INFO class %d with %d bytes" % (cls, ln), got,
                 INVAL | {"INFO_LENGTH_MISMATCH", "INVALID_INFO_CLASS", "NOT_SUPPORTED", "OBJECT_NAME_INVALID"})
    for cls in [0, 1, 0x3F, 0xFF]:
        got = outcome(c, [c.build(s2.QUERY_INFO, s2.query_info_body(fid, 1, cls))])
        S.expect("E", "QUERY_INFO file class %d" % cls, got,
                 {"INVALID_INFO_CLASS", "INVALID_PARAMETER", "NOT_SUPPORTED"})
    for it in [0, 5, 0xFF]:
        got = outcome(c, [c.build(s2.QUERY_INFO, s2.query_info_body(fid, it, 1))])
        S.expect("E", "QUERY_INFO info type %d" % it, got,
                 {"INVALID_INFO_CLASS", "INVALID_PARAMETER", "NOT_SUPPORTED"})
    c.close()


def e_streams(S):
    """Stream names, and reads/writes at negative, huge and past-end offsets."""
    c = sess()
    fid = open_file(c, "str.txt", b"base")
    for off in [2**63, 2**64 - 1, 2**63 - 1, 2**64 - 4, (1 << 44)]:
        got = outcome(c, [c.build(s2.WRITE, s2.write_body(fid, b"abcd", offset=off))])
        S.expect("E", "WRITE at 0x%x" % off, got, INVAL | {"DISK_FULL", "FILE_TOO_LARGE" if False else "DISK_FULL"})
        got = outcome(c, [c.build(s2.READ, s2.read_body(fid, 4, offset=off))])
        S.expect("E", "READ at 0x%x" % off, got, INVAL | {"END_OF_FILE"})
    S.expect("E", "READ past end", outcome(c, [c.build(s2.READ, s2.read_body(fid, 4, offset=4))]), {"END_OF_FILE"})
    S.expect("E", "READ of 0 bytes past end", outcome(c, [c.build(s2.READ, s2.read_body(fid, 0, offset=100))]),
             {"END_OF_FILE", "SUCCESS"})
    names = ["str.txt:s1", "str.txt:s1:$DATA", "str.txt::$DATA", "str.txt:s1:$BOGUS", "str.txt:" + "x" * 300,
             "str.txt:a:b:c", "str.txt:\u0000x", ":s1", "str.txt:s/1", "str.txt:..", "str.txt:s1:$INDEX_ALLOCATION"]
    for n in names:
        r, sfid = c.create(n, disposition=3)
        S.check("E", "CREATE stream %r" % n, r.status in (
            0, 0xC000000D, 0xC0000033, 0xC00000BB, 0xC0000034, 0xC0000106, 0xC000003B, 0xC0000022,
            0xC0000039, 0xC00000BA), s2.st_name(r.status))
        if r.status == 0:
            for off in [2**63, 2**64 - 1]:
                got = outcome(c, [c.build(s2.WRITE, s2.write_body(sfid, b"x", offset=off))])
                S.expect("E", "stream WRITE at 0x%x" % off, got, INVAL | {"DISK_FULL"})
            c.close_file(sfid)
    c.close()


# ------------------------------------------------------------------ class F
def outside_files():
    found = []
    for p in ["/etc/cifsd-hostile-escape", "/tmp/cifsd-hostile-escape", os.path.join(TDIR, "escape"),
              os.path.join(TDIR, "outside", "escape")]:
        if os.path.lexists(p):
            found.append(p)
    return found


def f_names(S):
    os.makedirs(os.path.join(TDIR, "outside"), exist_ok=True)
    with open(os.path.join(TDIR, "outside", "secret.txt"), "w") as f:
        f.write("secret")
    c = sess()
    names = ["..\\escape", "..\\..\\escape", "a\\..\\..\\escape", "\\..\\escape", "..",
             "..\\outside\\secret.txt", "\\etc\\passwd", "/etc/passwd", "C:\\escape", "\\\\?\\C:\\escape",
             "..:escape", "..\\outside:$DATA", ".\\..\\escape", "dir\\..\\..\\escape",
             "\uff0e\uff0e\\escape", "\u2024\u2024\\escape", "..\u0000\\escape", "..\\\u0000escape",
             "\ud800..\\escape", "../escape", "..%2fescape", "..\\.\\..\\escape", ". .\\escape",
             "...\\escape", "..\\" * 40 + "escape", "x" * 300, "a\\" * 2000 + "b",
             "\\\\127.0.0.1\\share\\..\\escape", "..\\share\\..\\escape", "..\\outside\\secret.txt:$DATA",
             "outside\\..\\..\\outside\\secret.txt"]
    for n in names:
        for disp in (1, 2):  # open existing, create
            try:
                r, fid = c.create(n, disposition=disp, options=0)
            except s2.Disconnected:
                c = sess()
                S.check("F", "CREATE %r" % n[:40], False, "disconnect")
                continue
            ok = r.status != 0 or (disp == 2 and os.path.exists(os.path.join(SHARE, n.replace("\\", "/"))))
            if r.status == 0:
                c.close_file(fid)
                # whatever was created must be inside the share
                ok = not outside_files()
            S.check("F", "CREATE %r disposition %d" % (n[:40], disp), ok, s2.st_name(r.status))
    S.check("F", "nothing created outside the share", not outside_files(), outside_files())
    c.close()


def f_symlinks(S):
    """Symlinks planted by a local user pointing outside the share."""
    links = {"lnk_etc": "/etc", "lnk_shadow": "/etc/shadow", "lnk_out": os.path.join(TDIR, "outside"),
             "lnk_rel": "../outside", "lnk_loop": "lnk_loop", "lnk_proc": "/proc/self/root",
             "lnk_dangling": os.path.join(TDIR, "outside", "new-escape")}
    for k, v in links.items():
        p = os.path.join(SHARE, k)
        if not os.path.lexists(p):
            os.symlink(v, p)
    c = sess()
    for n in ["lnk_etc\\passwd", "lnk_shadow", "lnk_out\\secret.txt", "lnk_rel\\secret.txt", "lnk_loop",
              "lnk_proc\\etc\\shadow", "lnk_etc", "lnk_out"]:
        r, fid = c.create(n, disposition=1, access=0x80000000 | 0x1, options=0)
        data = None
        if r.status == 0:
            rr, data = c.read(fid, 100)
            c.close_file(fid)
        S.check("F", "open through symlink %s" % n, r.status != 0 or not data, s2.st_name(r.status))
    r, fid = c.create("lnk_dangling", disposition=2, options=0)
    S.check("F", "create through a dangling symlink to outside",
            r.status != 0 and not os.path.exists(os.path.join(TDIR, "outside", "new-escape")), s2.st_name(r.status))
    # directory listing does not follow the links out
    r, dfid = c.create("", disposition=1, options=1, access=0x100081)
    if r.status == 0:
        got = outcome(c, [c.build(s2.QUERY_DIRECTORY, s2.query_dir_body(dfid, "*"))])
        S.expect("F", "QUERY_DIRECTORY of a share with planted links", got, {"SUCCESS"})
        c.close_file(dfid)
    c.close()


def rename_info(target, replace=1):
    t = s2.utf16(target)
    return struct.pack("<B7xQI", replace, 0, len(t)) + t


def f_rename_link(S):
    c = sess()
    fid = open_file(c, "mv.txt", b"move me")
    c.close_file(fid)
    for target in ["..\\escape", "..\\outside\\escape", "\\..\\escape", "lnk_out\\escape", "lnk_rel\\escape",
                   "a\\..\\..\\escape", "\\\\127.0.0.1\\share\\..\\escape", "/tmp/cifsd-hostile-escape",
                   "..\u0000escape", "lnk_etc\\cifsd-hostile-escape"]:
        r, fid = c.create("mv.txt", disposition=1, access=0x00110080, options=0)
        if r.status:
            S.check("F", "reopen for rename", False, s2.st_name(r.status))
            break
        for cls, nm in [(10, "rename"), (11, "hard link")]:
            got = outcome(c, [c.build(s2.SET_INFO, s2.set_info_body(fid, 1, cls, rename_info(target)))])
            S.check("F", "%s to %r" % (nm, target), got[0] != "SUCCESS" or not outside_files(), got)
        c.close_file(fid)
    S.check("F", "no rename/link target outside the share", not outside_files(), outside_files())
    c.close()


def f_mount_and_race(S):
    """A mount point inside the share, and a race that swaps a directory for
    a symlink to outside while the client creates files in it."""
    mnt = os.path.join(SHARE, "mnt")
    os.makedirs(mnt, exist_ok=True)
    mounted = os.system("mount -t tmpfs -o size=1m cifsd-hostile-mnt %s 2>/dev/null" % mnt) == 0
    c = sess()
    if mounted:
        r, fid = c.create("mnt\\crossing.txt", disposition=5)
        S.check("F", "CREATE across a mount point inside the share", True, s2.st_name(r.status))
        if r.status == 0:
            c.close_file(fid)
        os.system("umount %s" % mnt)
    race_dir = os.path.join(SHARE, "race")
    stop = threading.Event()

    def swapper():
        # alternately a real directory (creates land in the share) and a
        # symlink to outside (creates must fail, never land outside)
        tmp = os.path.join(SHARE, "race.tmp")
        while not stop.is_set():
            try:
                os.makedirs(race_dir, exist_ok=True)
                os.chmod(race_dir, 0o777)
                time.sleep(0.001)
                for f in os.listdir(race_dir):
                    os.unlink(os.path.join(race_dir, f))
                os.symlink(os.path.join(TDIR, "outside"), tmp)
                os.rmdir(race_dir)
                os.rename(tmp, race_dir)
                time.sleep(0.001)
                os.unlink(race_dir)
            except OSError:
                for p in (tmp, race_dir):
                    try:
                        os.unlink(p)
                    except OSError:
                        pass
    th = threading.Thread(target=swapper, daemon=True)
    th.start()
    results = {}
    end = time.time() + (10 if LONG else 3)
    n = 0
    while time.time() < end:
        r, fid = c.create("race\\escape%d" % n, disposition=2, options=0)
        results[s2.st_name(r.status)] = results.get(s2.st_name(r.status), 0) + 1
        if r.status == 0:
            c.close_file(fid)
        n += 1
    stop.set()
    th.join()
    leaked = [f for f in os.listdir(os.path.join(TDIR, "outside")) if f.startswith("escape")]
    S.check("F", "%d creates racing a dir/symlink swap" % n, not leaked, "%r leaked %r" % (results, leaked))
    c.close()


def f_sandbox_state(S):
    """The session process runs with seccomp and no_new_privs."""
    c = sess()
    pid = newest_session()
    S.check("F", "session has a seccomp filter", status_field(pid, "Seccomp") == "2", status_field(pid, "Seccomp"))
    S.check("F", "session has no_new_privs", status_field(pid, "NoNewPrivs") == "1",
            status_field(pid, "NoNewPrivs"))
    S.check("F", "session runs as the service user", status_field(pid, "Uid") != "0", status_field(pid, "Uid"))
    c.close()


# ------------------------------------------------------------------ class G
def rpc_hdr(ptype, frag_len, flags=3, auth_len=0, call_id=1, drep=b"\x10\0\0\0"):
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, drep, frag_len, auth_len, call_id)


SRVSVC = bytes.fromhex("c84f324b7016d30112785a47bf6ee188") + struct.pack("<HH", 3, 0)
NDR = bytes.fromhex("045d888aeb1cc9119fe808002b104860") + struct.pack("<I", 2)


def rpc_bind(nctx=1, ntrans=1, frag_len=None, body_cut=None):
    ctx = b"".join(struct.pack("<HBB", i, ntrans, 0) + SRVSVC + NDR * ntrans for i in range(nctx))
    body = struct.pack("<HHI", 4280, 4280, 0) + struct.pack("<B3x", nctx) + ctx
    if body_cut is not None:
        body = body[:body_cut]
    return rpc_hdr(11, 16 + len(body) if frag_len is None else frag_len) + body


def rpc_request(opnum=15, stub=b"", frag_len=None, flags=3, alloc=None, ctx_id=0):
    body = struct.pack("<IHH", len(stub) if alloc is None else alloc, ctx_id, opnum) + stub
    return rpc_hdr(0, 16 + len(body) if frag_len is None else frag_len, flags=flags) + body


def g_rpc(S):
    """Malformed DCE/RPC on the srvsvc pipe: smbd-rpc must survive (its pid is
    checked after the item) and answer, fault or drop only this pipe."""
    c = sess("IPC$")
    pdus = [
        ("frag_len 0", rpc_hdr(11, 0)), ("frag_len 15", rpc_hdr(11, 15)),
        ("frag_len 0xFFFF with 16 bytes", rpc_hdr(11, 0xFFFF)),
        ("frag_len larger than sent", rpc_bind(frag_len=200)),
        ("auth_len > frag_len", rpc_hdr(11, 16, auth_len=0x1000)),
        ("bind with 255 contexts, one present", rpc_bind(nctx=1)[:24] + b"\xff" + rpc_bind()[25:]),
        ("bind with 0 contexts", rpc_bind(nctx=0)),
        ("bind with 255 transfer syntaxes", rpc_bind(ntrans=1)[:16 + 12 + 2] + b"\xff" + rpc_bind()[31:]),
        ("bind cut in the context list", rpc_bind(body_cut=20)),
        ("unknown ptype 0x7F", rpc_hdr(0x7F, 16)), ("version 4", b"\x04" + rpc_bind()[1:]),
        ("big-endian drep", rpc_hdr(11, 16, drep=b"\0\0\0\0") + rpc_bind()[16:]),
        ("request before bind", rpc_request()),
        ("request with unknown context", rpc_request(ctx_id=77)),
        ("alter_context garbage", rpc_hdr(14, 40) + os.urandom(24)),
        ("auth3 empty", rpc_hdr(16, 16)),
        ("fragment without FIRST flag", rpc_request(flags=0)),
        ("last fragment without first", rpc_request(flags=2)),
        ("alloc_hint 0xFFFFFFFF", rpc_request(alloc=0xFFFFFFFF, flags=1)),
        ("random 4 KiB", os.urandom(4096)),
    ]
    for what, pdu in pdus:
        r, pfid = c.create("srvsvc", disposition=1, options=0, access=0x0012019F)
        if r.status:
            S.check("G", "open srvsvc for %s" % what, False, s2.st_name(r.status))
            c = sess("IPC$")
            continue
        # some after a valid bind, some on a fresh pipe
        for bound in (False, True):
            if bound:
                c.call(s2.IOCTL, s2.ioctl_body(pfid, 0x0011C017, rpc_bind(), max_out=4280))
            got = outcome(c, [c.build(s2.IOCTL, s2.ioctl_body(pfid, 0x0011C017, pdu, max_out=4280))])
            S.expect("G", "pipe transceive %s%s" % (what, " after bind" if bound else ""), got,
                     {"SUCCESS", "BUFFER_OVERFLOW", "PIPE_DISCONNECTED", "PIPE_BROKEN", "INVALID_PARAMETER",
                      "INVALID_PIPE_STATE", "PIPE_CLOSING", "UNSUCCESSFUL", "PIPE_EMPTY",
                      "INTERNAL_ERROR", "FILE_CLOSED", "INVALID_DEVICE_STATE", "NOT_SUPPORTED"})
        got = outcome(c, [c.build(s2.WRITE, s2.write_body(pfid, pdu))])
        S.expect("G", "pipe WRITE %s" % what, got,
                 {"SUCCESS", "PIPE_DISCONNECTED", "PIPE_BROKEN", "INVALID_PARAMETER", "INVALID_PIPE_STATE",
                  "PIPE_CLOSING", "UNSUCCESSFUL", "INTERNAL_ERROR", "FILE_CLOSED", "INVALID_DEVICE_STATE"})
        c.close_file(pfid)
    # pipe names
    for n in ["", "x" * 300, "..\\srvsvc", "\\srvsvc", "srvsvc\\..\\lsarpc", "nosuchpipe", "srvsvc:x", "\u0000"]:
        r, pfid = c.create(n, disposition=1, options=0)
        S.check("G", "open pipe %r" % n[:30], r.status != 0 or n.lower() in ("srvsvc", "\\srvsvc"),
                s2.st_name(r.status))
        if r.status == 0:
            c.close_file(pfid)
    # a large write/read cycle through the pipe (the IPC data limit is chunked)
    r, pfid = c.create("srvsvc", disposition=1, options=0)
    if r.status == 0:
        got = outcome(c, [c.build(s2.WRITE, s2.write_body(pfid, rpc_request(stub=b"\0" * 65000) * 3),
                                  charge=3)])
        S.expect("G", "195 kB of requests into an unbound pipe", got,
                 {"SUCCESS", "PIPE_DISCONNECTED", "INVALID_PARAMETER", "PIPE_BROKEN", "INVALID_PIPE_STATE",
                  "UNSUCCESSFUL", "INTERNAL_ERROR", "FILE_CLOSED"})
        c.close_file(pfid)
    c.close()
