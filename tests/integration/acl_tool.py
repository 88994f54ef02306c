#!/usr/bin/python3
# Security descriptors over SMB2 with impacket (smbcacls cannot use another
# port than 445): prints and sets them in smbcacls' numeric format.
#   acl_tool.py PORT USER PASS SHARE PATH get
#   acl_tool.py PORT USER PASS SHARE PATH set "ACL:SID:ALLOWED|DENIED/0xFLAGS/0xMASK,..."
#   acl_tool.py PORT USER PASS SHARE PATH owner SID
import struct
import sys

from impacket.smbconnection import SMBConnection

READ_CONTROL, WRITE_DAC, WRITE_OWNER = 0x20000, 0x40000, 0x80000


def sid_str(b, off):
    rev, n = b[off], b[off + 1]
    auth = int.from_bytes(b[off + 2:off + 8], 'big')
    subs = struct.unpack_from('<%dI' % n, b, off + 8)
    return 'S-%d-%d' % (rev, auth) + ''.join('-%d' % s for s in subs)


def sid_bytes(s):
    p = s.split('-')
    subs = [int(x) for x in p[3:]]
    return bytes([1, len(subs)]) + int(p[2]).to_bytes(6, 'big') + b''.join(struct.pack('<I', x) for x in subs)


def show(sd):
    _, _, control, o_owner, o_group, _, o_dacl = struct.unpack_from('<BBHIIII', sd, 0)
    print('CONTROL:0x%04x' % control)
    if o_owner:
        print('OWNER:' + sid_str(sd, o_owner))
    if o_group:
        print('GROUP:' + sid_str(sd, o_group))
    if o_dacl:
        count = struct.unpack_from('<H', sd, o_dacl + 4)[0]
        at = o_dacl + 8
        for _ in range(count):
            t, f, size, mask = struct.unpack_from('<BBHI', sd, at)
            kind = {0: 'ALLOWED', 1: 'DENIED'}.get(t, 'TYPE%d' % t)
            print('ACL:%s:%s/0x%x/0x%08x' % (sid_str(sd, at + 8), kind, f, mask))
            at += size


def build(spec, owner=None):
    aces = b''
    n = 0
    for item in filter(None, (spec or '').split(',')):
        _, sid, rest = item.split(':', 2)
        kind, flags, mask = rest.split('/')
        s = sid_bytes(sid)
        aces += struct.pack('<BBHI', 0 if kind == 'ALLOWED' else 1, int(flags, 0), 8 + len(s), int(mask, 0)) + s
        n += 1
    dacl = struct.pack('<BBHHH', 2, 0, 8 + len(aces), n, 0) + aces if spec is not None else b''
    o = sid_bytes(owner) if owner else b''
    control = 0x8000 | (0x4 if spec is not None else 0)
    o_dacl = 20 if spec is not None else 0
    o_owner = 20 + len(dacl) if owner else 0
    return struct.pack('<BBHIIII', 1, 0, control, o_owner, 0, 0, o_dacl) + dacl + o


def main():
    port, user, pw, share, path, op = sys.argv[1:7]
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=int(port))
    c.login(user, pw)
    tid = c.connectTree(share)
    access = READ_CONTROL | (WRITE_DAC if op == 'set' else 0) | (WRITE_OWNER if op == 'owner' else 0)
    s = c.getSMBServer()
    try:
        fid = s.create(tid, path, access, 7, 0, 1, 0)
        if op == 'get':
            show(s.queryInfo(tid, fid, infoType=3, fileInfoClass=0, additionalInformation=7))
        elif op == 'set':
            s.setInfo(tid, fid, inputBlob=build(sys.argv[7]), infoType=3, fileInfoClass=0,
                      additionalInformation=4)
        elif op == 'owner':
            s.setInfo(tid, fid, inputBlob=build(None, sys.argv[7]), infoType=3, fileInfoClass=0,
                      additionalInformation=1)
        s.close(tid, fid)
    except Exception as e:  # smb3 raises its own SessionError type
        print(str(e))
        sys.exit(1)


main()
