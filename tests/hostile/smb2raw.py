"""A raw SMB2 client for hostile-input tests (our own code; no impacket).

It speaks just enough SMB2 to get a valid session and tree (NEGOTIATE with
2.1 or 3.1.1 and its contexts, NTLMv2 inside SPNEGO, signing, AES-GCM/CCM
encryption), and otherwise lets the caller put any bytes on the wire:
`send_raw` takes a whole NetBIOS frame, `send_msgs` any list of SMB2 messages
as a compound, and the builders return bodies the caller can corrupt before
sending. Written from MS-SMB2, MS-NLMP and MS-SPNG (RFC 4178).

Needs /usr/bin/python3 with Cryptodome (installed with impacket on Debian):
MD4 for the NT hash, AES-CMAC, AES-GCM/CCM, RC4.
"""
import hashlib
import hmac
import os
import select
import socket
import struct
import time

from Cryptodome.Cipher import AES, ARC4
from Cryptodome.Hash import CMAC, MD4

# ---------------------------------------------------------------- constants
NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT, TREE_DISCONNECT, CREATE, CLOSE, \
    FLUSH, READ, WRITE, LOCK, IOCTL, CANCEL, ECHO, QUERY_DIRECTORY, CHANGE_NOTIFY, \
    QUERY_INFO, SET_INFO, OPLOCK_BREAK = range(0x13)

FLAG_RESPONSE, FLAG_ASYNC, FLAG_RELATED, FLAG_SIGNED = 1, 2, 4, 8

STATUS = {
    0x00000000: "SUCCESS", 0x00000103: "PENDING", 0x80000005: "BUFFER_OVERFLOW",
    0x80000006: "NO_MORE_FILES", 0xC0000001: "UNSUCCESSFUL", 0xC0000002: "NOT_IMPLEMENTED",
    0xC0000003: "INVALID_INFO_CLASS", 0xC0000004: "INFO_LENGTH_MISMATCH",
    0xC0000008: "INVALID_HANDLE", 0xC000000D: "INVALID_PARAMETER", 0xC000000F: "NO_SUCH_FILE",
    0xC0000010: "INVALID_DEVICE_REQUEST", 0xC0000011: "END_OF_FILE",
    0xC0000016: "MORE_PROCESSING_REQUIRED", 0xC0000022: "ACCESS_DENIED",
    0xC0000023: "BUFFER_TOO_SMALL", 0xC0000033: "OBJECT_NAME_INVALID",
    0xC0000034: "OBJECT_NAME_NOT_FOUND", 0xC0000035: "OBJECT_NAME_COLLISION",
    0xC0000039: "OBJECT_PATH_INVALID", 0xC000003A: "OBJECT_PATH_NOT_FOUND",
    0xC000003B: "OBJECT_PATH_SYNTAX_BAD", 0xC0000043: "SHARING_VIOLATION",
    0x80000013: "INVALID_EA_NAME", 0x80000014: "EA_LIST_INCONSISTENT",
    0xC0000058: "UNKNOWN_REVISION", 0xC0000059: "REVISION_MISMATCH", 0xC000005A: "INVALID_OWNER",
    0xC0000077: "INVALID_ACL",
    0xC000004F: "EAS_NOT_SUPPORTED", 0xC0000050: "EA_TOO_LARGE", 0xC0000051: "NONEXISTENT_EA_ENTRY",
    0xC0000052: "NO_EAS_ON_FILE", 0xC0000053: "EA_CORRUPT_ERROR",
    0xC0000055: "LOCK_NOT_GRANTED", 0xC0000056: "DELETE_PENDING", 0xC0000061: "PRIVILEGE_NOT_HELD",
    0xC000006D: "LOGON_FAILURE", 0xC0000078: "INVALID_SID", 0xC0000079: "INVALID_SECURITY_DESCR",
    0xC000007E: "RANGE_NOT_LOCKED", 0xC000007F: "DISK_FULL", 0xC000009A: "INSUFFICIENT_RESOURCES",
    0xC00000BA: "FILE_IS_A_DIRECTORY", 0xC00000BB: "NOT_SUPPORTED", 0xC00000C9: "NETWORK_NAME_DELETED",
    0xC00000CA: "NETWORK_ACCESS_DENIED", 0xC00000CC: "BAD_NETWORK_NAME",
    0xC00000D0: "REQUEST_NOT_ACCEPTED", 0xC00000E5: "INTERNAL_ERROR", 0xC0000101: "DIRECTORY_NOT_EMPTY",
    0xC0000103: "NOT_A_DIRECTORY", 0xC0000106: "NAME_TOO_LONG", 0xC000011F: "TOO_MANY_OPENED_FILES",
    0xC0000120: "CANCELLED", 0xC0000128: "FILE_CLOSED", 0xC0000148: "INVALID_LEVEL",
    0xC00000AC: "PIPE_NOT_AVAILABLE", 0xC00000AD: "INVALID_PIPE_STATE", 0xC00000B0: "PIPE_DISCONNECTED",
    0xC00000B1: "PIPE_CLOSING", 0xC00000D9: "PIPE_EMPTY", 0xC000014B: "PIPE_BROKEN",
    0xC0000184: "INVALID_DEVICE_STATE", 0xC00000B5: "IO_TIMEOUT",
    0xC0000203: "USER_SESSION_DELETED", 0xC0000225: "NOT_FOUND", 0xC000035C: "NETWORK_SESSION_EXPIRED",
    0xC0000467: "FILE_NOT_AVAILABLE", 0xC00000CE: "TOO_MANY_SESSIONS",
    0xC000042A: "REQUEST_OUT_OF_SEQUENCE", 0xC00000A2: "MEDIA_WRITE_PROTECTED",
    0xC0000054: "FILE_LOCK_CONFLICT", 0xC00000D4: "NOT_SAME_DEVICE", 0xC0000240: "REQUEST_ABORTED",
    0xC00000E9: "UNEXPECTED_IO_ERROR", 0xC000009C: "DEVICE_DATA_ERROR",
    0xC000020C: "CONNECTION_DISCONNECTED", 0xC0000017: "NO_MEMORY", 0xC00000C3: "INVALID_NETWORK_RESPONSE",
}
NAME2STATUS = {v: k for k, v in STATUS.items()}


def st_name(code):
    return STATUS.get(code, "0x%08x" % code)


def S(name):
    return NAME2STATUS[name]


class Disconnected(Exception):
    pass


class Timeout(Exception):
    pass


class SmbError(Exception):
    def __init__(self, what, status):
        super().__init__("%s: %s" % (what, st_name(status)))
        self.status = status


# ---------------------------------------------------------------- helpers
def utf16(s):
    return s.encode("utf-16-le", "surrogatepass")


def pad8(b):
    return b + b"\0" * ((8 - len(b) % 8) % 8)


def kdf(key, label, context, bits=128):
    """SP800-108 counter mode with HMAC-SHA256 (MS-SMB2 3.1.4.2)."""
    m = struct.pack(">I", 1) + label + b"\0" + context + struct.pack(">I", bits)
    return hmac.new(key, m, hashlib.sha256).digest()[: bits // 8]


# ------------------------------------------------------- SPNEGO (RFC 4178)
NTLMSSP_OID = bytes.fromhex("060a2b0601040182370202 0a".replace(" ", ""))
SPNEGO_OID = bytes.fromhex("06062b0601050502")


def der(tag, content):
    n = len(content)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    elif n < 0x10000:
        ln = bytes([0x82]) + struct.pack(">H", n)
    else:
        ln = bytes([0x83]) + struct.pack(">I", n)[1:]
    return bytes([tag]) + ln + content


def spnego_init(token):
    mech_types = der(0x30, NTLMSSP_OID)
    init = der(0x30, der(0xA0, mech_types) + der(0xA2, der(0x04, token)))
    return der(0x60, SPNEGO_OID + der(0xA0, init))


def spnego_resp(token):
    return der(0xA1, der(0x30, der(0xA2, der(0x04, token))))


def ntlmssp_from(blob):
    i = blob.find(b"NTLMSSP\0")
    return blob[i:] if i >= 0 else None


# ------------------------------------------------------- NTLM (MS-NLMP)
NTLM_FLAGS = (0x00000001 | 0x00000004 | 0x00000010 | 0x00000200 | 0x00008000 | 0x00080000 |
              0x00800000 | 0x20000000 | 0x40000000 | 0x80000000)


def ntlm_negotiate(flags=NTLM_FLAGS):
    return b"NTLMSSP\0" + struct.pack("<II", 1, flags) + b"\0" * 16


def parse_challenge(msg):
    if not msg or len(msg) < 48 or struct.unpack_from("<I", msg, 8)[0] != 2:
        raise ValueError("no NTLM CHALLENGE")
    flags = struct.unpack_from("<I", msg, 20)[0]
    chal = msg[24:32]
    ti_len, _, ti_off = struct.unpack_from("<HHI", msg, 40)
    return flags, chal, msg[ti_off:ti_off + ti_len]


def ntowfv2(user, password, domain):
    nt = MD4.new(utf16(password)).digest()
    return hmac.new(nt, utf16(user.upper() + domain), hashlib.md5).digest()


def ntlm_authenticate(user, password, domain, challenge_msg, overrides=None):
    """Returns (AUTHENTICATE message, exported session key). `overrides` may
    replace any of the payload fields (lm, nt, domain, user, ws, key) with raw
    bytes, for malformed-field tests."""
    flags, chal, tinfo = parse_challenge(challenge_msg)
    key = ntowfv2(user, password, domain)
    cchal = os.urandom(8)
    ts = struct.pack("<Q", (int(time.time()) + 11644473600) * 10000000)
    temp = b"\x01\x01" + b"\0" * 6 + ts + cchal + b"\0" * 4 + tinfo + b"\0" * 4
    proof = hmac.new(key, chal + temp, hashlib.md5).digest()
    nt = proof + temp
    lm = hmac.new(key, chal + cchal, hashlib.md5).digest() + cchal
    base = hmac.new(key, proof, hashlib.md5).digest()
    flags &= NTLM_FLAGS
    exported = base
    enc_key = b""
    if flags & 0x40000000:
        exported = os.urandom(16)
        enc_key = ARC4.new(base).encrypt(exported)
    fields = {"lm": lm, "nt": nt, "domain": utf16(domain), "user": utf16(user),
              "ws": utf16("HOSTILE"), "key": enc_key}
    if overrides:
        fields.update(overrides)
    order = ["lm", "nt", "domain", "user", "ws", "key"]
    off = 88
    hdr = b""
    payload = b""
    for f in order:
        v = fields[f]
        if isinstance(v, tuple):  # (declared length, declared offset, bytes): lie about it
            ln, o, data = v
            hdr += struct.pack("<HHI", ln & 0xFFFF, ln & 0xFFFF, o)
            payload += data
            off += len(data)
            continue
        hdr += struct.pack("<HHI", len(v), len(v), off)
        payload += v
        off += len(v)
    msg = b"NTLMSSP\0" + struct.pack("<I", 3) + hdr + struct.pack("<I", flags) + b"\0" * 8 + \
        b"\0" * 16 + payload
    return msg, exported


# ------------------------------------------------------- SMB2 messages
def header(cmd, mid, sid=0, tid=0, flags=0, credits=64, charge=1, next_cmd=0, status=0,
           async_id=None):
    if async_id is not None:
        flags |= FLAG_ASYNC
        return struct.pack("<4sHHIHHIIQQQ16s", b"\xfeSMB", 64, charge, status, cmd, credits,
                           flags, next_cmd, mid, async_id, sid, b"\0" * 16)
    return struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, charge, status, cmd, credits, flags,
                       next_cmd, mid, 0xFEFF, tid, sid, b"\0" * 16)


class Response:
    def __init__(self, msg):
        self.raw = msg
        (_, _, self.charge, self.status, self.command, self.credits, self.flags, self.next,
         self.mid) = struct.unpack_from("<4sHHIHHIIQ", msg, 0)
        self.tid = struct.unpack_from("<I", msg, 36)[0]
        self.async_id = struct.unpack_from("<Q", msg, 32)[0]
        self.sid = struct.unpack_from("<Q", msg, 40)[0]
        self.body = msg[64:]

    def __repr__(self):
        return "<cmd %d mid %d %s>" % (self.command, self.mid, st_name(self.status))


def split_chain(pdu):
    out = []
    while True:
        if len(pdu) < 64:
            raise ValueError("short SMB2 message")
        nxt = struct.unpack_from("<I", pdu, 20)[0]
        if nxt == 0:
            out.append(Response(pdu))
            return out
        out.append(Response(pdu[:nxt]))
        pdu = pdu[nxt:]


# Bodies (MS-SMB2 2.2.x). Each returns the body that follows the 64-byte header.
def negotiate_body(dialects, contexts=b"", ctx_count=0, security_mode=1, caps=0x7F,
                   guid=None):
    guid = guid or os.urandom(16)
    fixed_len = 36 + 2 * len(dialects)
    if contexts:
        ctx_off = 64 + fixed_len
        ctx_off += (8 - ctx_off % 8) % 8
        tail = struct.pack("<IHH", ctx_off, ctx_count, 0)
    else:
        tail = b"\0" * 8
    body = struct.pack("<HHHHI16s", 36, len(dialects), security_mode, 0, caps, guid) + tail + \
        b"".join(struct.pack("<H", d) for d in dialects)
    if contexts:
        body += b"\0" * ((8 - (64 + len(body)) % 8) % 8) + contexts
    return body


def neg_context(ctype, data):
    return pad8(struct.pack("<HHI", ctype, len(data), 0) + data)


def default_contexts(cipher=2):
    pre = neg_context(1, struct.pack("<HHH", 1, 32, 1) + os.urandom(32))
    enc = neg_context(2, struct.pack("<HH", 1, cipher))
    sig = neg_context(8, struct.pack("<HH", 1, 1))
    return pre + enc + sig, 3


def session_setup_body(blob, flags=0, sec_mode=1, prev=0, off=None, length=None):
    off = 88 if off is None else off
    length = min(len(blob), 0xFFFF) if length is None else length
    return struct.pack("<HBBIIHHQ", 25, flags, sec_mode, 1, 0, off, length, prev) + blob


def tree_connect_body(path, off=None, length=None):
    p = utf16(path)
    return struct.pack("<HHHH", 9, 0, 72 if off is None else off,
                       len(p) if length is None else length) + p


def create_body(name, access=0x0012019F, disposition=3, options=0x40, share=7, attrs=0x80,
                contexts=b"", name_off=None, name_len=None, ctx_off=None, ctx_len=None,
                oplock=0):
    n = utf16(name)
    buf = n if n else b"\0"
    if contexts:
        buf = pad8(buf) if n else b""
        c_off = 64 + 56 + len(buf)
        buf += contexts
    else:
        c_off = 0
    return struct.pack("<HBBIQQIIIIIHHII", 57, 0, oplock, 2, 0, 0, access, attrs, share,
                       disposition, options, 120 if name_off is None else name_off,
                       len(n) if name_len is None else name_len,
                       c_off if ctx_off is None else ctx_off,
                       len(contexts) if ctx_len is None else ctx_len) + buf


def create_context(name, data, next_off=0):
    name_off = 16
    data_off = (16 + len(name) + 7) & ~7
    body = struct.pack("<IHHHHI", next_off, name_off, len(name), 0,
                       data_off if data else 0, len(data)) + name
    body += b"\0" * (data_off - len(body)) if data else b""
    return body + data


def fid_bytes(fid):
    return struct.pack("<QQ", *fid)


def close_body(fid, flags=0):
    return struct.pack("<HHI", 24, flags, 0) + fid_bytes(fid)


def write_body(fid, data, offset=0, data_off=112, length=None):
    return struct.pack("<HHIQ16sIIHHI", 49, data_off, len(data) if length is None else length,
                       offset, fid_bytes(fid), 0, 0, 0, 0, 0) + (data if data else b"\0")


def read_body(fid, length, offset=0, minimum=0):
    return struct.pack("<HBBIQ16sIIIHH", 49, 0, 0, length, offset, fid_bytes(fid), minimum, 0, 0,
                       0, 0) + b"\0"


def query_info_body(fid, info_type, cls, out_len=65536, add_info=0, inbuf=b"", in_off=None,
                    in_len=None):
    return struct.pack("<HBBIHHIII16s", 41, info_type, cls, out_len,
                       (104 if inbuf else 0) if in_off is None else in_off, 0,
                       len(inbuf) if in_len is None else in_len, add_info, 0,
                       fid_bytes(fid)) + (inbuf or b"\0")


def set_info_body(fid, info_type, cls, data, add_info=0, buf_off=None, buf_len=None):
    return struct.pack("<HBBIHHI16s", 33, info_type, cls, len(data) if buf_len is None else buf_len,
                       96 if buf_off is None else buf_off, 0, add_info, fid_bytes(fid)) + \
        (data or b"\0")


def ioctl_body(fid, ctl, data=b"", max_out=65536, in_off=None, in_len=None, flags=1):
    return struct.pack("<HHI16sIIIIIIII", 57, 0, ctl, fid_bytes(fid),
                       (120 if data else 0) if in_off is None else in_off,
                       len(data) if in_len is None else in_len, 0, 0, 0, max_out, flags, 0) + \
        (data or b"\0")


def query_dir_body(fid, pattern="*", cls=37, flags=0, out_len=65536, name_off=None,
                   name_len=None):
    p = utf16(pattern)
    return struct.pack("<HBBI16sHHI", 33, cls, flags, 0, fid_bytes(fid),
                       96 if name_off is None else name_off, len(p) if name_len is None else name_len,
                       out_len) + (p or b"\0")


def lock_body(fid, locks):
    b = struct.pack("<HHI16s", 48, len(locks), 0, fid_bytes(fid))
    for off, ln, fl in locks:
        b += struct.pack("<QQII", off, ln, fl, 0)
    return b if locks else b + b"\0" * 24


def simple_body(size=4):
    return struct.pack("<HH", size, 0)


def flush_body(fid):
    return struct.pack("<HHI16s", 24, 0, 0, fid_bytes(fid))


def oplock_ack_body(fid, level=0):
    return struct.pack("<HBBI16s", 24, level, 0, 0, fid_bytes(fid))


def lease_ack_body(key, state=0):
    return struct.pack("<HHI16sIQ", 36, 0, 0, key, state, 0)


def notify_body(fid, flags=0, out_len=4096, filt=0xFFF):
    return struct.pack("<HHI16sII", 32, flags, out_len, fid_bytes(fid), filt, 0)


# ------------------------------------------------------- the connection
class Conn:
    def __init__(self, port, host="127.0.0.1", timeout=10.0, source=None):
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.timeout = timeout
        self.mid = 0
        self.sid = 0
        self.tid = 0
        self.dialect = 0
        self.signing_key = None
        self.sign_all = False
        self.enc_key = None
        self.dec_key = None
        self.cipher = 0
        self.encrypt = False
        self.preauth = b"\0" * 64
        self.session_preauth = None
        self.max_write = 65536
        self.credits = 1
        self.granted = 1      # MessageIds [0, granted) have been granted

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # --- raw I/O
    def send_raw(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Disconnected(str(e))

    def send_frame(self, payload, nb_type=0):
        self.send_raw(struct.pack(">I", (nb_type << 24) | len(payload)) + payload)

    def _recv_exact(self, n, deadline):
        buf = b""
        while len(buf) < n:
            left = deadline - time.time()
            if left <= 0:
                raise Timeout("no answer")
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                raise Timeout("no answer")
            try:
                chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            except (ConnectionResetError, OSError) as e:
                raise Disconnected(str(e))
            if not chunk:
                raise Disconnected("closed by server")
            buf += chunk
        return buf

    def recv_frame(self, timeout=None):
        deadline = time.time() + (self.timeout if timeout is None else timeout)
        h = self._recv_exact(4, deadline)
        ln = struct.unpack(">I", h)[0] & 0xFFFFFF
        return h[0], self._recv_exact(ln, deadline)

    def is_closed(self, timeout=3.0):
        """True if the server closed the connection (reads anything pending)."""
        deadline = time.time() + timeout
        try:
            while True:
                self.recv_frame(max(0.01, deadline - time.time()))
        except Disconnected:
            return True
        except Timeout:
            return False

    def recv_pdu(self, timeout=None):
        """Next SMB2 PDU as a list of Responses (decrypting a TRANSFORM),
        skipping interim STATUS_PENDING answers."""
        while True:
            _, p = self.recv_frame(timeout)
            if p[:4] == b"\xfdSMB":
                p = self.decrypt(p)
            if p[:4] != b"\xfeSMB":
                raise ValueError("not SMB2: %r" % p[:4])
            rs = split_chain(p)
            if len(rs) == 1 and rs[0].status == 0x103 and rs[0].flags & FLAG_ASYNC:
                continue
            for r in rs:
                self.credits += r.credits
                self.granted += r.credits
            return rs

    # --- signing and encryption
    def sign(self, msg):
        msg = bytearray(msg)
        struct.pack_into("<I", msg, 16, struct.unpack_from("<I", msg, 16)[0] | FLAG_SIGNED)
        msg[48:64] = b"\0" * 16
        if self.dialect >= 0x300:
            c = CMAC.new(self.signing_key, ciphermod=AES)
            c.update(bytes(msg))
            sig = c.digest()
        else:
            sig = hmac.new(self.signing_key, bytes(msg), hashlib.sha256).digest()[:16]
        msg[48:64] = sig
        return bytes(msg)

    def encrypt_pdu(self, plain, sid=None, flags=1, orig=None):
        nonce = os.urandom(16)
        nlen = 11 if self.cipher in (1, 3) else 12
        nonce = nonce[:nlen] + b"\0" * (16 - nlen)
        hdr = struct.pack("<I", len(plain) if orig is None else orig)
        aad = nonce + hdr + struct.pack("<HHQ", 0, flags, self.sid if sid is None else sid)
        if self.cipher in (1, 3):
            c = AES.new(self.enc_key, AES.MODE_CCM, nonce=nonce[:nlen], mac_len=16)
        else:
            c = AES.new(self.enc_key, AES.MODE_GCM, nonce=nonce[:nlen], mac_len=16)
        c.update(aad)
        ct, tag = c.encrypt_and_digest(plain)
        return b"\xfdSMB" + tag + aad + ct

    def decrypt(self, p):
        tag, aad = p[4:20], p[20:52]
        nlen = 11 if self.cipher in (1, 3) else 12
        mode = AES.MODE_CCM if self.cipher in (1, 3) else AES.MODE_GCM
        c = AES.new(self.dec_key, mode, nonce=aad[:nlen], mac_len=16)
        c.update(aad)
        return c.decrypt_and_verify(p[52:], tag)

    # --- requests
    def next_mid(self, charge=1):
        m = self.mid
        self.mid += max(charge, 1)
        return m

    def build(self, cmd, body, sid=None, tid=None, flags=0, charge=1, credits=64, mid=None,
              sign=None):
        m = self.next_mid(charge) if mid is None else mid
        msg = header(cmd, m, self.sid if sid is None else sid, self.tid if tid is None else tid,
                     flags, credits, charge) + body
        if sign is None:
            sign = self.sign_all and self.signing_key is not None and cmd != NEGOTIATE
        return self.sign(msg) if sign else msg

    def send_msgs(self, msgs, encrypt=None):
        """Sends messages (already built) as one compound PDU, fixing up
        NextCommand and padding; returns nothing."""
        out = b""
        for i, m in enumerate(msgs):
            if i + 1 < len(msgs):
                m = pad8(m)
                m = m[:20] + struct.pack("<I", len(m)) + m[24:]
            out += m
        if (self.encrypt if encrypt is None else encrypt):
            out = self.encrypt_pdu(out)
        self.send_frame(out)

    def call(self, cmd, body, **kw):
        """One request, one answer (a Response)."""
        enc = kw.pop("encrypt", None)
        msg = self.build(cmd, body, **kw)
        self.send_msgs([msg], encrypt=enc)
        rs = self.recv_pdu()
        return rs[0]

    def compound(self, items, encrypt=None):
        """items: list of (cmd, body, kwargs); returns the responses."""
        msgs = [self.build(c, b, **k) for c, b, k in items]
        # signing must come after NextCommand is set: rebuild with final offsets
        if self.sign_all and self.signing_key:
            fixed = []
            for i, m in enumerate(msgs):
                if i + 1 < len(msgs):
                    m = pad8(m)
                    m = m[:20] + struct.pack("<I", len(m)) + m[24:]
                fixed.append(self.sign(m))
            out = b"".join(fixed)
            if self.encrypt if encrypt is None else encrypt:
                out = self.encrypt_pdu(out)
            self.send_frame(out)
        else:
            self.send_msgs(msgs, encrypt=encrypt)
        return self.recv_pdu()

    # --- the normal sequence
    def negotiate(self, dialects=(0x0210,), cipher=2, security_mode=1, extra_contexts=()):
        contexts, n = (default_contexts(cipher) if 0x311 in dialects else (b"", 0))
        for ctype, data in extra_contexts:  # e.g. (0x100, POSIX tag)
            contexts += neg_context(ctype, data)
            n += 1
        self.answered_contexts = {}
        body = negotiate_body(list(dialects), contexts, n, security_mode)
        req = header(NEGOTIATE, self.next_mid(), credits=64) + body
        self.send_frame(req)
        _, p = self.recv_frame()
        r = split_chain(p)[0]
        if r.status:
            raise SmbError("negotiate", r.status)
        self.dialect = struct.unpack_from("<H", r.body, 4)[0]
        self.max_write = struct.unpack_from("<I", r.body, 36)[0]
        self.server_security_mode = struct.unpack_from("<H", r.body, 2)[0]
        if self.dialect == 0x311:
            self.preauth = hashlib.sha512(self.preauth + req).digest()
            self.preauth = hashlib.sha512(self.preauth + p).digest()
            ctx_off, = struct.unpack_from("<I", r.body, 60)
            cnt, = struct.unpack_from("<H", r.body, 6)
            o = ctx_off
            for _ in range(cnt):
                t, ln = struct.unpack_from("<HH", p, o)
                if t == 2:
                    self.cipher = struct.unpack_from("<H", p, o + 10)[0]
                self.answered_contexts[t] = bytes(p[o + 8:o + 8 + ln])
                o += (8 + ln + 7) & ~7
        self.credits = r.credits
        self.granted += r.credits
        return r

    def _recv_setup(self):
        _, p = self.recv_frame()
        if p[:4] != b"\xfeSMB":
            raise ValueError("session setup answer is not plain SMB2")
        r = split_chain(p)[0]
        self.credits += r.credits
        self.granted += r.credits
        return p, r

    def session_setup(self, user, password, domain="", ntlm_overrides=None, raw_auth=None):
        """NTLMv2 in SPNEGO. Returns the final Response (status may be an
        error); on success the session id and keys are set."""
        self.sid = 0
        sp = self.preauth
        body = session_setup_body(spnego_init(ntlm_negotiate()))
        req = self.build(SESSION_SETUP, body)
        self.send_msgs([req])
        p, r = self._recv_setup()
        if r.status != 0xC0000016:
            return r
        if self.dialect == 0x311:
            sp = hashlib.sha512(sp + req).digest()
            sp = hashlib.sha512(sp + p).digest()
        self.sid = r.sid
        off, ln = struct.unpack_from("<HH", r.body, 4)
        chal = ntlmssp_from(p[off:off + ln])
        if raw_auth is not None:
            auth, key = raw_auth(chal), b"\0" * 16
        else:
            auth, key = ntlm_authenticate(user, password, domain, chal, ntlm_overrides)
        req = self.build(SESSION_SETUP, session_setup_body(spnego_resp(auth)))
        self.send_msgs([req])
        if self.dialect == 0x311:
            sp = hashlib.sha512(sp + req).digest()
        p, r = self._recv_setup()
        if r.status == 0:
            self.session_key = key
            flags = struct.unpack_from("<H", r.body, 2)[0]
            if self.dialect >= 0x311:
                self.signing_key = kdf(key, b"SMBSigningKey\0", sp)
                self.enc_key = kdf(key, b"SMBC2SCipherKey\0", sp)
                self.dec_key = kdf(key, b"SMBS2CCipherKey\0", sp)
            elif self.dialect >= 0x300:
                self.signing_key = kdf(key, b"SMB2AESCMAC\0", b"SmbSign\0")
                self.enc_key = kdf(key, b"SMB2AESCCM\0", b"ServerIn \0")
                self.dec_key = kdf(key, b"SMB2AESCCM\0", b"ServerOut\0")
                self.cipher = 1
            else:
                self.signing_key = key
            if flags & 4:
                self.encrypt = True
            if self.server_security_mode & 2:
                self.sign_all = True
        return r

    def tree_connect(self, share):
        r = self.call(TREE_CONNECT, tree_connect_body("\\\\127.0.0.1\\" + share), tid=0)
        if r.status == 0:
            self.tid = r.tid
        return r

    def create(self, name, **kw):
        r = self.call(CREATE, create_body(name, **kw))
        fid = struct.unpack_from("<QQ", r.body, 64) if r.status == 0 else None
        return r, fid

    def write(self, fid, data, offset=0):
        return self.call(WRITE, write_body(fid, data, offset), charge=max(1, (len(data) + 65535) // 65536))

    def read(self, fid, length, offset=0):
        r = self.call(READ, read_body(fid, length, offset), charge=max(1, (length + 65535) // 65536))
        if r.status == 0:
            doff, dlen = struct.unpack_from("<BxI", r.body, 2)
            return r, r.raw[doff:doff + dlen]
        return r, None

    def close_file(self, fid):
        return self.call(CLOSE, close_body(fid))

    def echo(self):
        return self.call(ECHO, simple_body())


def login(port, user, password, share=None, dialects=(0x0210,), timeout=10.0):
    c = Conn(port, timeout=timeout)
    c.negotiate(dialects)
    r = c.session_setup(user, password)
    if r.status:
        c.close()
        raise SmbError("session setup", r.status)
    if share:
        r = c.tree_connect(share)
        if r.status:
            c.close()
            raise SmbError("tree connect " + share, r.status)
    return c
