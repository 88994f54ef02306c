#!/usr/bin/python3
"""Faults (issue #7): a helper killed or hung mid-request, disk full on a
small tmpfs share, a client that never reads, 64 concurrent clients doing
mixed I/O on shared files with a checker of every acknowledged byte, and EIO
from the storage of a share (ext4 on a loop device, shut down mid-session)."""
import fcntl
import subprocess
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import smb2raw as s2  # noqa: E402
from cases_abc import LONG, fresh, open_file, sess  # noqa: E402
from cases_defg import rpc_bind  # noqa: E402
from harness import (ALICE, ALICE_PW, PORT, TDIR, Suite, helper_pids, newest_session, outcome,  # noqa: E402
                     rss_kb, session_pids)

FAULTS = {
    "K1": "smbd-auth killed mid-logon",
    "K2": "smbd-rpc killed mid-request",
    "K3": "smbd-rpc hung (SIGSTOP) mid-request",
    "K4": "disk full on a 2 MiB tmpfs share",
    "K5": "client that never reads",
    "K6": "64 clients, mixed I/O on shared files, checker",
    "K7": "EIO from storage (ext4 on a loop device, shut down)",
}

TRANSCEIVE = 0x0011C017
PIPE_ERRORS = {"PIPE_DISCONNECTED", "PIPE_BROKEN", "INTERNAL_ERROR", "UNSUCCESSFUL", "INVALID_PIPE_STATE",
               "PIPE_CLOSING", "FILE_CLOSED", "INVALID_HANDLE", "IO_TIMEOUT", "INSUFFICIENT_RESOURCES"}


def wait_helper(kind, old, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        now = helper_pids()[kind]
        if now and now != old:
            return now
        time.sleep(0.1)
    return None


def login_retry(timeout=30, share="share"):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            return s2.login(PORT, ALICE, ALICE_PW, share)
        except Exception as e:  # noqa: BLE001
            last = e
            time.sleep(0.3)
    raise RuntimeError("no login within %ds: %r" % (timeout, last))


def k1_auth_killed(S):
    old = helper_pids()["auth"]
    c = fresh()
    r = c.call(s2.SESSION_SETUP, s2.session_setup_body(s2.spnego_init(s2.ntlm_negotiate())), sid=0)
    off, ln = struct.unpack_from("<HH", r.body, 4)
    auth, _ = s2.ntlm_authenticate(ALICE, ALICE_PW, "", s2.ntlmssp_from(r.raw[off:off + ln]))
    for p in old:
        os.kill(p, signal.SIGKILL)
    t0 = time.time()
    got = outcome(c, [c.build(s2.SESSION_SETUP, s2.session_setup_body(s2.spnego_resp(auth)), sid=r.sid)],
                  timeout=20)
    S.check("K1", "second leg after smbd-auth died: an error in %.1fs" % (time.time() - t0),
            got[0] not in ("SUCCESS", "TIMEOUT"), got)
    new = wait_helper("auth", old)
    S.check("K1", "master restarted smbd-auth", new is not None, new)
    # the same connection can log on again (its session asks for a new channel)
    try:
        r = c.session_setup(ALICE, ALICE_PW) if got[0] != "DISCONNECT" else None
        S.check("K1", "same connection logs on after the restart", r is None or r.status == 0,
                s2.st_name(r.status) if r else "disconnected")
    except Exception as e:  # noqa: BLE001
        S.check("K1", "same connection logs on after the restart", False, repr(e))
    c.close()
    try:
        login_retry().close()
        S.check("K1", "new clients log on", True)
    except Exception as e:  # noqa: BLE001
        S.check("K1", "new clients log on", False, repr(e))
    S.rebase()


def open_bound_pipe(c):
    r, pfid = c.create("srvsvc", disposition=1, options=0)
    if r.status:
        return None
    r = c.call(s2.IOCTL, s2.ioctl_body(pfid, TRANSCEIVE, rpc_bind(), max_out=4280))
    return pfid if r.status == 0 else None


def k2_rpc_killed(S):
    old = helper_pids()["rpc"]
    c = sess("IPC$")
    pfid = open_bound_pipe(c)
    S.check("K2", "pipe bound before the kill", pfid is not None)
    for p in old:
        os.kill(p, signal.SIGKILL)
    t0 = time.time()
    got = outcome(c, [c.build(s2.IOCTL, s2.ioctl_body(pfid, TRANSCEIVE, rpc_bind(), max_out=4280))], timeout=20)
    S.check("K2", "transceive on the dead helper's pipe: %s in %.1fs" % (got[0], time.time() - t0),
            got[0] in PIPE_ERRORS, got)
    new = wait_helper("rpc", old)
    S.check("K2", "master restarted smbd-rpc", new is not None, new)
    end = time.time() + 20
    p2 = None
    while time.time() < end and p2 is None:
        p2 = open_bound_pipe(c)
        if p2 is None:
            time.sleep(0.3)
    S.check("K2", "same session binds a new pipe after the restart", p2 is not None)
    c.close()
    S.rebase()


def k3_rpc_hung(S):
    pids = helper_pids()["rpc"]
    c = sess("IPC$")
    pfid = open_bound_pipe(c)
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    t0 = time.time()
    try:
        got = outcome(c, [c.build(s2.IOCTL, s2.ioctl_body(pfid, TRANSCEIVE, rpc_bind(), max_out=4280))],
                      timeout=40)
        dt = time.time() - t0
        S.check("K3", "transceive while smbd-rpc is stopped: %s in %.1fs" % (got[0], dt),
                got[0] in PIPE_ERRORS and dt < 30, got)
        # the client is not stuck: a file share on another connection works meanwhile
        try:
            h = sess()
            S.check("K3", "file I/O on another connection while smbd-rpc hangs", h.echo().status == 0)
            h.close()
        except Exception as e:  # noqa: BLE001
            S.check("K3", "file I/O on another connection while smbd-rpc hangs", False, repr(e))
    finally:
        for p in pids:
            try:
                os.kill(p, signal.SIGCONT)
            except OSError:
                pass
    end = time.time() + 30
    p2 = None
    while time.time() < end and p2 is None:
        c2 = sess("IPC$")
        p2 = open_bound_pipe(c2)
        c2.close()
        if p2 is None:
            time.sleep(0.5)
    S.check("K3", "RPC works again after the helper resumes (or was restarted)", p2 is not None)
    c.close()
    S.rebase()


def k4_disk_full(S):
    if os.environ.get("HOSTILE_FULL") != "1":
        S.check("K4", "tmpfs share mounted (needs root and mount)", False, "not mounted")
        return
    c = sess("full", dialects=(0x311,))
    c.call(s2.ECHO, s2.simple_body(), credits=64)
    fid = open_file(c, "fill.bin")
    acked = 0
    status = None
    chunk = 256 * 1024
    data = os.urandom(chunk)
    for i in range(40):
        r = c.write(fid, data, offset=acked)
        if r.status:
            status = s2.st_name(r.status)
            break
        count = struct.unpack_from("<I", r.body, 4)[0]
        S.check("K4", "WRITE %d acknowledged in full" % i, count == chunk, count)
        acked += count
    S.check("K4", "writing past 2 MiB ends with DISK_FULL", status == "DISK_FULL", status)
    c.call(s2.FLUSH, s2.flush_body(fid))
    size = os.path.getsize(os.path.join(TDIR, "full", "fill.bin"))
    S.check("K4", "file holds exactly the acknowledged %d bytes" % acked, size == acked, size)
    with open(os.path.join(TDIR, "full", "fill.bin"), "rb") as f:
        content = f.read()
    S.check("K4", "acknowledged bytes intact", all(content[k:k + chunk] == data for k in range(0, acked, chunk)))
    # small writes into the last free bytes, and a create on the full fs
    r = c.write(fid, b"x" * 100000, offset=acked)
    count = struct.unpack_from("<I", r.body, 4)[0] if r.status == 0 else 0
    S.check("K4", "a write that does not fit fails or is acknowledged exactly",
            r.status == 0xC000007F or (r.status == 0 and count == 100000 and
                                       os.path.getsize(os.path.join(TDIR, "full", "fill.bin")) >= acked + count),
            (s2.st_name(r.status), count))
    r2, f2 = c.create("another.txt", disposition=5)
    if r2.status == 0:
        r3 = c.write(f2, b"y" * 300000)
        S.check("K4", "300 kB into a second file on the full fs", r3.status == 0xC000007F, s2.st_name(r3.status))
        c.close_file(f2)
    c.close_file(fid)
    # space freed: writing works again
    os.unlink(os.path.join(TDIR, "full", "fill.bin"))
    fid = open_file(c, "after.bin")
    r = c.write(fid, data)
    S.check("K4", "after freeing space writes succeed", r.status == 0, s2.st_name(r.status))
    c.close_file(fid)
    c.close()
    for f in os.listdir(os.path.join(TDIR, "full")):
        os.unlink(os.path.join(TDIR, "full", f))


def k5_never_reads(S):
    c = sess(dialects=(0x311,))
    for _ in range(4):
        c.call(s2.ECHO, s2.simple_body(), credits=512)
    fid = open_file(c, "slow.bin")
    # an 8 MiB file (written in 1 MiB pieces)
    blob = os.urandom(1 << 20)
    for i in range(8):
        c.write(fid, blob, offset=i << 20)
    pid = newest_session()
    base = rss_kb(pid)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.sock.settimeout(1.0)
    sent = 0
    peak = base
    end = time.time() + (30 if LONG else 10)
    while time.time() < end and c.credits > 128:
        try:
            c.sock.sendall(struct.pack(">I", 64 + 49) + s2.header(s2.READ, c.next_mid(128), c.sid, c.tid, 0, 128, 128)
                           + s2.read_body(fid, 8 << 20))
            c.credits -= 128
            sent += 1
        except OSError:
            break
        peak = max(peak, rss_kb(pid))
    time.sleep(2)
    peak = max(peak, rss_kb(pid))
    S.check("K5", "%d unread 8 MiB READs: session RSS %d -> %d kB" % (sent, base, peak),
            peak - base < 96 * 1024, peak - base)
    c.close()
    S.check("K5", "the session ends when the slow client goes", wait_gone(pid, 20), pid)


def wait_gone(pid, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if not os.path.exists("/proc/%d" % pid):
            return True
        time.sleep(0.1)
    return False


REC = 512


def k6_concurrency(S):
    """64 clients on 4 shared files. Client i owns records i, i+64, ... of
    every file (so the expected content is well defined) but reads anything,
    and also opens/closes, queries, and flushes. Every acknowledged WRITE is
    remembered; afterwards every byte is checked against the last
    acknowledged write of its record."""
    n_clients = 64
    seconds = 60 if LONG else 15
    files = ["shared-%d.bin" % i for i in range(4)]
    setup = sess()
    for f in files:
        fid = open_file(setup, f)
        setup.close_file(fid)
    setup.close()
    acked = {}  # (file, record) -> bytes
    lock = threading.Lock()
    errors = []
    counts = [0] * n_clients
    stop = time.time() + seconds + n_clients * 0.25

    def worker(i):
        rnd = random.Random(i)
        try:
            # staggered starts: 64 sanitizer-built sessions starting at the
            # same instant is a test of the machine, not of the server
            time.sleep(i * 0.25)
            c = s2.login(PORT, ALICE, ALICE_PW, "share", timeout=60)
            fids = {}
            for f in files:
                r, fid = c.create(f, disposition=1, share=7)
                if r.status:
                    errors.append("client %d open %s: %s" % (i, f, s2.st_name(r.status)))
                    return
                fids[f] = fid
            while time.time() < stop:
                f = rnd.choice(files)
                op = rnd.random()
                if op < 0.55:
                    rec = i + n_clients * rnd.randrange(8)
                    data = bytes([rnd.randrange(256)]) * 8 + os.urandom(REC - 8)
                    r = c.write(fids[f], data, offset=rec * REC)
                    if r.status == 0 and struct.unpack_from("<I", r.body, 4)[0] == REC:
                        with lock:
                            acked[(f, rec)] = data
                    elif r.status:
                        errors.append("client %d write: %s" % (i, s2.st_name(r.status)))
                elif op < 0.8:
                    r, _ = c.read(fids[f], REC * 4, offset=rnd.randrange(64 * 8) * REC)
                    if r.status not in (0, 0xC0000011):
                        errors.append("client %d read: %s" % (i, s2.st_name(r.status)))
                elif op < 0.9:
                    c.call(s2.FLUSH, s2.flush_body(fids[f]))
                elif op < 0.95:
                    r = c.call(s2.QUERY_INFO, s2.query_info_body(fids[f], 1, 5, out_len=24))
                else:
                    c.close_file(fids[f])
                    r, fid = c.create(f, disposition=1, share=7)
                    if r.status:
                        errors.append("client %d reopen: %s" % (i, s2.st_name(r.status)))
                        return
                    fids[f] = fid
                counts[i] += 1
            for fid in fids.values():
                c.close_file(fid)
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append("client %d: %r" % (i, e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_clients)]
    for t in threads:
        t.start()
    peak_sessions = 0
    while any(t.is_alive() for t in threads):
        peak_sessions = max(peak_sessions, len(session_pids()))
        time.sleep(0.5)
    for t in threads:
        t.join()
    S.check("K6", "%d clients x %ds: %d operations, %d sessions at peak" % (
        n_clients, seconds, sum(counts), peak_sessions), not errors and all(counts), errors[:5])
    bad = 0
    for (f, rec), data in acked.items():
        with open(os.path.join(TDIR, "share", f), "rb") as fh:
            fh.seek(rec * REC)
            if fh.read(REC) != data:
                bad += 1
    S.check("K6", "checker: %d acknowledged records intact" % len(acked), bad == 0 and len(acked) > 0,
            "%d bad" % bad)


EXT4_IOC_SHUTDOWN = 0x8004587D  # _IOR('X', 125, __u32)
EIO_ERRORS = {"UNEXPECTED_IO_ERROR"}


def k7_eio(S):
    """The share's file system starts failing every I/O with EIO (ext4's
    shutdown ioctl: the kernel's own error path, as for a dying disk). READ,
    WRITE and FLUSH on an open file answer UNEXPECTED_IO_ERROR; nothing is
    reported written that is not; the session keeps serving its other share;
    after remounting, the file holds exactly the acknowledged, flushed bytes."""
    img = os.environ.get("HOSTILE_EIO_IMG", "")
    mnt = os.path.join(TDIR, "eio")
    if os.environ.get("HOSTILE_EIO") != "1" or not img:
        S.check("K7", "ext4 loop share mounted (needs root, mkfs.ext4 and loop devices)", False, "not mounted")
        return
    c = sess("eio", dialects=(0x311,))
    eio_tid = c.tid
    c.call(s2.ECHO, s2.simple_body(), credits=64)
    data = os.urandom(64 * 1024)
    fid = open_file(c, "acked.bin")
    r = c.write(fid, data)
    S.check("K7", "64 KiB written before the fault", r.status == 0 and struct.unpack_from("<I", r.body, 4)[0] == len(data),
            s2.st_name(r.status))
    r = c.call(s2.FLUSH, s2.flush_body(fid))
    S.check("K7", "FLUSH before the fault", r.status == 0, s2.st_name(r.status))
    # the storage fails from now on
    fd = os.open(mnt, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, EXT4_IOC_SHUTDOWN, struct.pack("<I", 0))
    finally:
        os.close(fd)
    r = c.write(fid, os.urandom(4096), offset=len(data))
    S.check("K7", "WRITE on failing storage", s2.st_name(r.status) in EIO_ERRORS, s2.st_name(r.status))
    r, got = c.read(fid, 4096)
    S.check("K7", "READ on failing storage", s2.st_name(r.status) in EIO_ERRORS, s2.st_name(r.status))
    r = c.call(s2.FLUSH, s2.flush_body(fid))
    S.check("K7", "FLUSH on failing storage", s2.st_name(r.status) in EIO_ERRORS, s2.st_name(r.status))
    r, f2 = c.create("new-after-fault.bin", disposition=5)
    S.check("K7", "CREATE on failing storage is refused", r.status != 0, s2.st_name(r.status))
    S.check("K7", "the session still answers ECHO", c.echo().status == 0)
    # healthy storage on the same connection still works
    r = c.tree_connect("share")
    S.check("K7", "TREE_CONNECT to a healthy share", r.status == 0, s2.st_name(r.status))
    if r.status == 0:
        hf = open_file(c, "healthy-after-eio.bin")
        blob = os.urandom(8192)
        r = c.write(hf, blob)
        S.check("K7", "WRITE on healthy storage", r.status == 0, s2.st_name(r.status))
        r, back = c.read(hf, 8192)
        S.check("K7", "READ on healthy storage returns the data", r.status == 0 and back == blob, s2.st_name(r.status))
        c.close_file(hf)
    c.tid = eio_tid
    c.close_file(fid)
    pid = newest_session()
    c.close()
    wait_gone(pid, 10)
    # remount: exactly the acknowledged, flushed bytes survived
    end = time.time() + 20
    while subprocess.call(["umount", mnt], stderr=subprocess.DEVNULL) != 0 and time.time() < end:
        time.sleep(0.3)
    ok = subprocess.call(["mount", "-o", "loop", img, mnt], stderr=subprocess.DEVNULL) == 0
    S.check("K7", "the file system mounts again", ok)
    if ok:
        path = os.path.join(mnt, "acked.bin")
        content = open(path, "rb").read() if os.path.exists(path) else b""
        S.check("K7", "after the fault the file holds exactly the %d acknowledged bytes" % len(data),
                content == data, len(content))


def main():
    S = Suite()
    S.start()
    for cls, fn in [("K1", k1_auth_killed), ("K2", k2_rpc_killed), ("K3", k3_rpc_hung), ("K4", k4_disk_full),
                    ("K5", k5_never_reads), ("K6", k6_concurrency), ("K7", k7_eio)]:
        S.run_item(cls, fn.__name__, fn)
    return 0 if S.summary(FAULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
