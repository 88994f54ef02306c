#!/usr/bin/python3
# Multichannel end to end with our raw client (tests/hostile/smb2raw.py):
# two connections with one ClientGuid, the second bound to the first one's
# session (MS-SMB2 3.3.5.5), a write on channel 1 read back on channel 2
# whose responses must be signed with Channel.SigningKey, then channel 1
# dropped and channel 2 still serving the session. Negative cases: binding
# as another user, unsigned, and an unknown session.
# usage: multichannel.py PORT SHARE USER PASS OTHER_USER OTHER_PASS DIALECT
import hashlib, os, struct, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import smb2raw as R
from Cryptodome.Cipher import AES
from Cryptodome.Hash import CMAC

port, share, user, pw, ouser, opw = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
dialect = int(sys.argv[7], 16)
GUID = os.urandom(16)
_orig_nb = R.negotiate_body
R.negotiate_body = lambda *a, **k: _orig_nb(*a, guid=GUID, **k)
failures = 0


def check(what, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else "  " + str(detail)))
    if not ok:
        failures += 1


def mac(key, msg):
    m = bytearray(msg)
    m[48:64] = b"\0" * 16
    c = CMAC.new(key, ciphermod=AES)
    c.update(bytes(m))
    return c.digest()


def signed_with(key, raw):
    return (R.Response(raw).flags & R.FLAG_SIGNED) and mac(key, raw) == bytes(raw[48:64])


def new_conn():
    c = R.Conn(port)
    c.neg = c.negotiate((dialect,))
    return c


def bind(c, owner, u, pw_, sign=True, sid=None):
    """Binds connection c to owner's session; returns (status, channel key,
    responses were signed as the spec says)."""
    sid = owner.sid if sid is None else sid
    c.sid = sid
    c.signing_key = owner.signing_key
    sp = c.preauth
    req = c.build(R.SESSION_SETUP, R.session_setup_body(R.spnego_init(R.ntlm_negotiate()), flags=1),
                  sid=sid, sign=sign)
    c.send_msgs([req])
    p, r = c._recv_setup()
    if r.status != 0xC0000016:
        return r.status, None, True
    # MORE_PROCESSING is signed with Session.SigningKey (3.3.4.1.1).
    more_ok = signed_with(owner.signing_key, p)
    sp = hashlib.sha512(sp + req).digest()
    sp = hashlib.sha512(sp + p).digest()
    off, ln = struct.unpack_from("<HH", r.body, 4)
    auth, key = R.ntlm_authenticate(u, pw_, "", R.ntlmssp_from(p[off:off + ln]))
    req = c.build(R.SESSION_SETUP, R.session_setup_body(R.spnego_resp(auth), flags=1), sid=sid, sign=sign)
    sp = hashlib.sha512(sp + req).digest()
    c.send_msgs([req])
    p, r = c._recv_setup()
    if r.status != 0:
        return r.status, None, more_ok
    if dialect == 0x311:
        ck = R.kdf(key, b"SMBSigningKey\0", sp)
    else:
        ck = R.kdf(key, b"SMB2AESCMAC\0", b"SmbSign\0")
    return 0, ck, more_ok and signed_with(ck, p)


# Channel 1: an ordinary session with a file.
c1 = new_conn()
r = c1.session_setup(user, pw)
check("channel 1 session setup", r.status == 0, R.st_name(r.status))
c1.sign_all = True
check("tree connect", c1.tree_connect(share).status == 0)
r, fid = c1.create("mc_%d.bin" % os.getpid(), disposition=5)
check("create", r.status == 0, R.st_name(r.status))
data = os.urandom(100000)
check("write on channel 1", c1.write(fid, data).status == 0)
caps = struct.unpack_from("<I", c1.neg.body, 24)[0]
check("NEGOTIATE announces SMB2_GLOBAL_CAP_MULTI_CHANNEL", caps & 0x08, hex(caps))

# Channel 2: bind and read back.
c2 = new_conn()
st, ck, signed_ok = bind(c2, c1, user, pw)
check("bind channel 2", st == 0 and ck is not None, R.st_name(st))
check("binding responses signed with session key, then channel key", signed_ok)
c2.signing_key, c2.sign_all, c2.tid = ck, True, c1.tid
c2.send_msgs([c2.build(R.READ, R.read_body(fid, len(data)), charge=2)])
_, raw = c2.recv_frame()
rr = R.Response(raw)
doff, dlen = struct.unpack_from("<BxI", rr.body, 2) if rr.status == 0 else (0, 0)
check("read on channel 2 returns channel 1's write", rr.status == 0 and raw[doff:doff + dlen] == data,
      R.st_name(rr.status))
check("channel 2 response signed with Channel.SigningKey", signed_with(ck, raw))
check("channel 2 response not signed with Session.SigningKey", not signed_with(c1.signing_key, raw))
# A request on channel 2 signed with the session key (not the channel's) is refused.
c2.signing_key = c1.signing_key
check("session key on channel 2 refused", c2.echo().status == 0xC0000022)
c2.signing_key = ck

# A second bind of the same channel is refused.
st, _, _ = bind(c2, c1, user, pw)
check("second bind on the same channel refused", st == 0xC00000D0, R.st_name(st))
c2.signing_key = ck
c2.sid = c1.sid

# Negative binds, each on a fresh connection.
c3 = new_conn()
st, _, _ = bind(c3, c1, ouser, opw)
check("bind as another user: ACCESS_DENIED", st == 0xC0000022, R.st_name(st))
c4 = new_conn()
st, _, _ = bind(c4, c1, user, pw, sign=False)
check("unsigned bind: INVALID_PARAMETER", st == 0xC000000D, R.st_name(st))
c5 = new_conn()
st, _, _ = bind(c5, c1, user, pw, sid=c1.sid ^ (1 << 41))
check("bind of an unknown session: USER_SESSION_DELETED", st == 0xC0000203, R.st_name(st))
# 2.1 cannot bind.
c6 = R.Conn(port)
c6.negotiate((0x210,))
c6.sid = c1.sid
req = c6.build(R.SESSION_SETUP, R.session_setup_body(R.spnego_init(R.ntlm_negotiate()), flags=1), sid=c1.sid)
c6.send_msgs([req])
_, r6 = c6._recv_setup()
check("bind on a 2.1 connection refused", r6.status != 0 and r6.status != 0xC0000016, R.st_name(r6.status))

# Drop channel 1: the session lives on channel 2.
c1.close()
time.sleep(0.5)
r = c2.call(R.WRITE, R.write_body(fid, b"after", 0))
check("write on channel 2 after channel 1 closed", r.status == 0, R.st_name(r.status))
r, back = c2.read(fid, 5, 0)
check("read on channel 2 after channel 1 closed", r.status == 0 and back == b"after", R.st_name(r.status))
check("close on channel 2", c2.close_file(fid).status == 0)
c2.close()
for c in (c3, c4, c5, c6):
    c.close()
print("failures: %d" % failures)
sys.exit(1 if failures else 0)
