#!/usr/bin/python3
"""smbload.py - small SMB2 load generator for the cifsd benchmark suite.

impacket (Debian's /usr/bin/python3 only) does NEGOTIATE + SESSION_SETUP + TREE_CONNECT
(dialect 3.0: impacket cannot finish a 3.1.1 tree connect); after that this tool writes raw
SMB2 requests with struct, so the client's own cost per request stays small and several
requests can be in flight at once. Every subcommand prints one line "RESULT <key>=<value> ..."
(the numbers the bench driver records) or "ERROR <reason>".

Subcommands (all traffic to 127.0.0.1 only):
  randio   4 KiB random READ or WRITE on an existing file, QD requests in flight per client
  meta     create / open+close / stat / rename / delete of N files, ops/s each
  list     enumerate a directory of many entries (QUERY_DIRECTORY), entries/s
  openclose  open+close of per-client files with C clients, ops/s
  lock     LOCK+UNLOCK of a per-client byte range of one shared file with C clients, ops/s
  conn     connect+negotiate+session setup+tree connect (+logoff), median ms
  idle     hold N idle logged-on clients with a tree, print the server tree's Private_Dirty per client
"""
import argparse
import multiprocessing as mp
import os
import random
import resource
import socket
import statistics
import struct
import sys
import time

HOST = '127.0.0.1'
HDR = struct.Struct('<4sHHIHHIIQIIQ16s')
NB = struct.Struct('>I')

CMD_CREATE, CMD_CLOSE, CMD_READ, CMD_WRITE, CMD_LOCK = 5, 6, 8, 9, 10
CMD_QUERY_DIRECTORY, CMD_QUERY_INFO, CMD_SET_INFO, CMD_ECHO = 14, 16, 17, 13
FLAG_RELATED = 0x4
STATUS_OK, STATUS_NO_MORE_FILES = 0, 0x80000006
RELATED_FID = b'\xff' * 16

GENERIC_READ, GENERIC_WRITE, DELETE = 0x80000000, 0x40000000, 0x00010000
FILE_READ_ATTRIBUTES, FILE_LIST_DIRECTORY, SYNCHRONIZE = 0x80, 0x1, 0x100000
SHARE_ALL = 7
OPEN, CREATE, OPEN_IF = 1, 2, 3
OPT_DIRECTORY, OPT_NON_DIRECTORY, OPT_DELETE_ON_CLOSE = 0x1, 0x40, 0x1000


class SmbError(Exception):
    pass


def login(port, share, user, pw, timeout=30):
    from impacket.smbconnection import SMBConnection
    from impacket import smb3structs
    c = SMBConnection(HOST, HOST, sess_port=port, timeout=timeout,
                      preferredDialect=smb3structs.SMB2_DIALECT_30)
    c.login(user, pw)
    tid = c.connectTree(share)
    return c, tid


class Raw:
    """Raw SMB2 requests on an impacket-established session (no signing, no encryption)."""

    def __init__(self, port, share, user, pw):
        self.conn, self.tid = login(port, share, user, pw)
        s3 = self.conn.getSMBServer()
        if s3._Session['SigningActivated']:
            raise SmbError('session is signed; raw mode sends unsigned requests')
        self.sid = s3._Session['SessionID']
        self.mid = s3._Connection['SequenceWindow']
        self.sock = s3._NetBIOSSession.get_socket()
        self.sock.settimeout(None)
        self.sock.setblocking(True)
        self.buf = bytearray()
        self.credits = 1
        # Ask for a comfortable credit window first.
        self.send([(CMD_ECHO, struct.pack('<HH', 4, 0), 0)], credit_req=256)
        self.recv()

    def header(self, cmd, mid, flags, next_cmd, credit_req, charge=1):
        return HDR.pack(b'\xfeSMB', 64, charge, 0, cmd, credit_req, flags, next_cmd, mid, 0,
                        self.tid, self.sid, b'\0' * 16)

    def send(self, cmds, credit_req=64):
        """cmds: [(command, body, flags)] sent as one (compound) PDU; returns the first MessageId."""
        first = self.mid
        parts = []
        for i, (cmd, body, flags) in enumerate(cmds):
            last = i == len(cmds) - 1
            ln = 64 + len(body)
            pad = 0 if last else (-ln) % 8
            parts.append(self.header(cmd, self.mid, flags, 0 if last else ln + pad, credit_req) + body + b'\0' * pad)
            self.mid += 1
        pdu = b''.join(parts)
        self.sock.sendall(NB.pack(len(pdu)) + pdu)
        self.credits -= len(cmds)
        return first

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(max(262144, n - len(self.buf)))
            if not chunk:
                raise SmbError('server closed the connection')
            self.buf += chunk

    def recv(self):
        """One response PDU -> list of (status, command, body); STATUS_PENDING interims skipped."""
        while True:
            self._fill(4)
            ln = NB.unpack_from(self.buf, 0)[0] & 0xFFFFFF
            self._fill(4 + ln)
            pdu = bytes(self.buf[4:4 + ln])
            del self.buf[:4 + ln]
            out = []
            off = 0
            while True:
                (_, _, _, st, cmd, cred, _, nxt, _, _, _, _, _) = HDR.unpack_from(pdu, off)
                end = off + nxt if nxt else len(pdu)
                if st == 0x103:  # STATUS_PENDING: the real answer follows
                    break
                self.credits += cred
                out.append((st, cmd, pdu[off + 64:end]))
                if not nxt:
                    break
                off += nxt
            if out:
                return out

    # request bodies
    @staticmethod
    def create_body(name, access, disposition, options, attrs=0):
        n = name.encode('utf-16-le')
        return struct.pack('<HBBIQQIIIIIHHII', 57, 0, 0, 2, 0, 0, access, attrs, SHARE_ALL,
                           disposition, options, 120, len(n), 0, 0) + (n or b'\0')

    @staticmethod
    def close_body(fid):
        return struct.pack('<HHI', 24, 0, 0) + fid

    @staticmethod
    def read_body(fid, off, ln):
        return struct.pack('<HBBIQ', 49, 0x50, 0, ln, off) + fid + struct.pack('<IIIHHB', 0, 0, 0, 0, 0, 0)

    @staticmethod
    def write_body(fid, off, data):
        return struct.pack('<HHIQ', 49, 112, len(data), off) + fid + struct.pack('<IIHHI', 0, 0, 0, 0, 0) + data

    @staticmethod
    def query_info_body(fid, cls=18, outlen=4096):
        return struct.pack('<HBBIHHIII', 41, 1, cls, outlen, 0, 0, 0, 0, 0) + fid + b'\0'

    @staticmethod
    def rename_body(fid, newname):
        n = newname.encode('utf-16-le')
        info = struct.pack('<B7sQI', 1, b'\0' * 7, 0, len(n)) + n
        return struct.pack('<HBBIHHI', 33, 1, 10, len(info), 96, 0, 0) + fid + info

    @staticmethod
    def query_dir_body(fid, restart, outlen=65536):
        pat = '*'.encode('utf-16-le')
        return struct.pack('<HBBI', 33, 0x25, 1 if restart else 0, 0) + fid + struct.pack('<HHI', 96, len(pat), outlen) + pat

    @staticmethod
    def lock_body(fid, off, ln, flags):
        return struct.pack('<HHI', 48, 1, 0) + fid + struct.pack('<QQII', off, ln, flags, 0)

    # synchronous helpers
    def call(self, cmds):
        self.send(cmds)
        return self.recv()

    def open(self, name, access, disposition=OPEN, options=OPT_NON_DIRECTORY):
        st, _, body = self.call([(CMD_CREATE, self.create_body(name, access, disposition, options), 0)])[0]
        if st != STATUS_OK:
            raise SmbError('CREATE %s: status 0x%08x' % (name, st))
        return body[64:80]

    def close(self, fid):
        st, _, _ = self.call([(CMD_CLOSE, self.close_body(fid), 0)])[0]
        if st != STATUS_OK:
            raise SmbError('CLOSE: status 0x%08x' % st)


def check(resps, what):
    for st, cmd, _ in resps:
        if st != STATUS_OK:
            raise SmbError('%s: command %d status 0x%08x' % (what, cmd, st))


# ---------------------------------------------------------------- randio
def randio_worker(a, q, start_evt):
    try:
        r = Raw(a.port, a.share, a.user, a.password)
        access = GENERIC_READ | (GENERIC_WRITE if a.op == 'write' else 0)
        fid = r.open(a.file, access)
        blocks = a.file_size // a.bs
        rnd = random.Random(os.getpid())
        data = os.urandom(a.bs)

        def one():
            off = rnd.randrange(blocks) * a.bs
            body = r.read_body(fid, off, a.bs) if a.op == 'read' else r.write_body(fid, off, data)
            hdr = r.header(CMD_READ if a.op == 'read' else CMD_WRITE, r.mid, 0, 0, 64)
            r.mid += 1
            pdu = hdr + body
            r.sock.sendall(NB.pack(len(pdu)) + pdu)
        start_evt.wait()
        done = 0
        inflight = 0
        for _ in range(a.qd):
            one()
            inflight += 1
        t0 = time.perf_counter()
        tend = t0 + a.seconds
        while True:
            for st, _, _ in r.recv():
                if st != STATUS_OK:
                    raise SmbError('%s status 0x%08x' % (a.op, st))
                inflight -= 1
                done += 1
            now = time.perf_counter()
            if now >= tend:
                break
            while inflight < a.qd:
                one()
                inflight += 1
        el = time.perf_counter() - t0
        while inflight:
            inflight -= len(r.recv())
        r.close(fid)
        q.put(('ok', done, el))
    except Exception as e:  # noqa: BLE001 - reported, not raised
        q.put(('err', str(e), 0))


def run_clients(a, target):
    q = mp.Queue()
    ev = mp.Event()
    procs = [mp.Process(target=target, args=(a, q, ev, i)) for i in range(a.clients)]
    for p in procs:
        p.start()
    time.sleep(min(3.0, 0.3 + 0.1 * a.clients))  # let every client log on first
    ev.set()
    res = []
    for _ in procs:
        try:
            res.append(q.get(timeout=a.seconds + 60))
        except Exception:  # noqa: BLE001
            res.append(('err', 'client timed out', 0))
    for p in procs:
        p.join(5)
        if p.is_alive():
            p.kill()
    errs = [x[1] for x in res if x[0] != 'ok']
    if errs:
        print('ERROR', errs[0])
        return None
    return sum(x[1] for x in res) / max(x[2] for x in res)


def cmd_randio(a):
    rate = run_clients(a, lambda a, q, ev, i: randio_worker(a, q, ev))
    if rate is not None:
        print('RESULT iops=%.0f MBps=%.1f' % (rate, rate * a.bs / 1e6))


# ---------------------------------------------------------------- metadata
def cmd_meta(a):
    r = Raw(a.port, a.share, a.user, a.password)
    d = a.dir
    res = {}
    n = a.n
    names = ['%s\\f%05d.dat' % (d, i) for i in range(n)]

    def timed(key, fn, items):
        t0 = time.perf_counter()
        for it in items:
            fn(it)
        res[key] = len(items) / (time.perf_counter() - t0)

    # create: CREATE (new file) + CLOSE in one compound
    timed('create', lambda nm: check(r.call([
        (CMD_CREATE, r.create_body(nm, GENERIC_READ | GENERIC_WRITE, CREATE, OPT_NON_DIRECTORY), 0),
        (CMD_CLOSE, r.close_body(RELATED_FID), FLAG_RELATED)]), 'create'), names)

    # open + close: two round trips, as path-contention-shared counts them
    def openclose(nm):
        r.close(r.open(nm, FILE_READ_ATTRIBUTES | SYNCHRONIZE))
    timed('openclose', openclose, names)

    # stat: CREATE + QUERY_INFO(FileAllInformation) + CLOSE compound
    timed('stat', lambda nm: check(r.call([
        (CMD_CREATE, r.create_body(nm, FILE_READ_ATTRIBUTES | SYNCHRONIZE, OPEN, 0), 0),
        (CMD_QUERY_INFO, r.query_info_body(RELATED_FID), FLAG_RELATED),
        (CMD_CLOSE, r.close_body(RELATED_FID), FLAG_RELATED)]), 'stat'), names)

    # rename: CREATE(DELETE) + SET_INFO(FileRenameInformation) + CLOSE compound
    renamed = ['%s\\r%05d.dat' % (d, i) for i in range(n)]
    timed('rename', lambda i: check(r.call([
        (CMD_CREATE, r.create_body(names[i], DELETE | SYNCHRONIZE, OPEN, 0), 0),
        (CMD_SET_INFO, r.rename_body(RELATED_FID, renamed[i]), FLAG_RELATED),
        (CMD_CLOSE, r.close_body(RELATED_FID), FLAG_RELATED)]), 'rename'), list(range(n)))

    # delete: CREATE(DELETE, DELETE_ON_CLOSE) + CLOSE compound
    timed('delete', lambda nm: check(r.call([
        (CMD_CREATE, r.create_body(nm, DELETE | SYNCHRONIZE, OPEN, OPT_NON_DIRECTORY | OPT_DELETE_ON_CLOSE), 0),
        (CMD_CLOSE, r.close_body(RELATED_FID), FLAG_RELATED)]), 'delete'), renamed)
    print('RESULT ' + ' '.join('%s=%.0f' % kv for kv in res.items()))


def cmd_list(a):
    r = Raw(a.port, a.share, a.user, a.password)
    times = []
    count = 0
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        fid = r.open(a.dir, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE, OPEN, OPT_DIRECTORY)
        count = 0
        restart = True
        while True:
            st, _, body = r.call([(CMD_QUERY_DIRECTORY, r.query_dir_body(fid, restart), 0)])[0]
            restart = False
            if st == STATUS_NO_MORE_FILES:
                break
            if st != STATUS_OK:
                raise SmbError('QUERY_DIRECTORY status 0x%08x' % st)
            off, ln = struct.unpack_from('<HI', body, 2)
            buf = body[off - 64:off - 64 + ln]
            p = 0
            while True:
                count += 1
                nxt = struct.unpack_from('<I', buf, p)[0]
                if not nxt:
                    break
                p += nxt
        r.close(fid)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print('RESULT entries=%d ms=%.1f entries_per_s=%.0f' % (count, med * 1000, count / med))


# ---------------------------------------------------------------- open/close and lock, C clients
def openclose_worker(a, q, ev, i):
    try:
        r = Raw(a.port, a.share, a.user, a.password)
        name = (a.dir + '\\' if a.dir else '') + 'oc%03d.dat' % i
        r.close(r.open(name, GENERIC_READ | GENERIC_WRITE, OPEN_IF))
        ev.wait()
        t0 = time.perf_counter()
        tend = t0 + a.seconds
        done = 0
        while time.perf_counter() < tend:
            r.close(r.open(name, FILE_READ_ATTRIBUTES | SYNCHRONIZE))
            done += 1
        q.put(('ok', done, time.perf_counter() - t0))
    except Exception as e:  # noqa: BLE001
        q.put(('err', str(e), 0))


def lock_worker(a, q, ev, i):
    try:
        r = Raw(a.port, a.share, a.user, a.password)
        fid = r.open(a.file, GENERIC_READ | GENERIC_WRITE, OPEN_IF)
        off = 4096 * i
        lk = r.lock_body(fid, off, 4096, 0x2 | 0x10)   # exclusive, fail immediately
        un = r.lock_body(fid, off, 4096, 0x4)
        ev.wait()
        t0 = time.perf_counter()
        tend = t0 + a.seconds
        done = 0
        while time.perf_counter() < tend:
            check(r.call([(CMD_LOCK, lk, 0)]), 'lock')
            check(r.call([(CMD_LOCK, un, 0)]), 'unlock')
            done += 1
        r.close(fid)
        q.put(('ok', done, time.perf_counter() - t0))
    except Exception as e:  # noqa: BLE001
        q.put(('err', str(e), 0))


def cmd_openclose(a):
    rate = run_clients(a, openclose_worker)
    if rate is not None:
        print('RESULT ops=%.0f' % rate)


def cmd_lock(a):
    rate = run_clients(a, lock_worker)
    if rate is not None:
        print('RESULT ops=%.0f' % rate)


# ---------------------------------------------------------------- connections
def cmd_conn(a):
    lat = []
    for _ in range(a.n):
        t0 = time.perf_counter()
        c, tid = login(a.port, a.share, a.user, a.password)
        lat.append((time.perf_counter() - t0) * 1000)
        c.disconnectTree(tid)
        c.logoff()
        c.close()
    print('RESULT ms=%.2f min=%.2f' % (statistics.median(lat), min(lat)))


def tree(pid):
    out = [pid]
    try:
        for t in os.listdir('/proc/%d/task' % pid):
            with open('/proc/%d/task/%s/children' % (pid, t)) as f:
                for c in f.read().split():
                    out += tree(int(c))
    except OSError:
        pass
    return out


def private_dirty(pid):
    tot = 0
    nproc = 0
    for p in tree(pid):
        try:
            with open('/proc/%d/smaps_rollup' % p) as f:
                for line in f:
                    if line.startswith('Private_Dirty:'):
                        tot += int(line.split()[1])
                        nproc += 1
        except OSError:
            pass
    return tot, nproc


def cmd_idle(a):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, a.n * 2 + 256)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    base, nbase = private_dirty(a.server_pid)
    conns = []
    t0 = time.perf_counter()
    try:
        for _ in range(a.n):
            conns.append(login(a.port, a.share, a.user, a.password, timeout=60))
            if time.perf_counter() - t0 > a.max_seconds:
                raise SmbError('only %d clients connected within %d s' % (len(conns), a.max_seconds))
        t_conn = time.perf_counter() - t0
        time.sleep(2)
        now, nnow = private_dirty(a.server_pid)
        # responsiveness with N idle clients: one more connection + a stat round trip
        t1 = time.perf_counter()
        c, tid = login(a.port, a.share, a.user, a.password)
        c.listPath(a.share, '*')
        extra_ms = (time.perf_counter() - t1) * 1000
        c.close()
        print('RESULT kB_per_client=%.0f procs=%d->%d connect_all_s=%.1f extra_conn_ms=%.1f'
              % ((now - base) / a.n, nbase, nnow, t_conn, extra_ms))
    except Exception as e:  # noqa: BLE001
        print('ERROR idle: %s' % e)
    finally:
        for c, _ in conns:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--share', default='share')
    ap.add_argument('--user', default='tester')
    ap.add_argument('--password', default='Test1234!')
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('randio')
    p.add_argument('--op', choices=['read', 'write'], required=True)
    p.add_argument('--file', required=True)
    p.add_argument('--file-size', type=int, required=True)
    p.add_argument('--bs', type=int, default=4096)
    p.add_argument('--qd', type=int, default=8)
    p.add_argument('--clients', type=int, default=1)
    p.add_argument('--seconds', type=float, default=5)
    p = sub.add_parser('meta')
    p.add_argument('--dir', required=True)
    p.add_argument('--n', type=int, default=2000)
    p = sub.add_parser('list')
    p.add_argument('--dir', required=True)
    p.add_argument('--repeat', type=int, default=3)
    for name in ('openclose', 'lock'):
        p = sub.add_parser(name)
        p.add_argument('--clients', type=int, default=1)
        p.add_argument('--seconds', type=float, default=5)
        p.add_argument('--dir', default='')
        p.add_argument('--file', default='lockfile.dat')
    p = sub.add_parser('conn')
    p.add_argument('--n', type=int, default=100)
    p = sub.add_parser('idle')
    p.add_argument('--n', type=int, default=100)
    p.add_argument('--server-pid', type=int, required=True)
    p.add_argument('--max-seconds', type=int, default=300)
    a = ap.parse_args()
    try:
        {'randio': cmd_randio, 'meta': cmd_meta, 'list': cmd_list, 'openclose': cmd_openclose,
         'lock': cmd_lock, 'conn': cmd_conn, 'idle': cmd_idle}[a.cmd](a)
    except Exception as e:  # noqa: BLE001 - a benchmark reports, it does not crash
        print('ERROR %s: %s' % (a.cmd, e))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
