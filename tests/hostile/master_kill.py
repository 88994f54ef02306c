#!/usr/bin/python3
"""The master killed (SIGKILL): documented behaviour (docs/hardening.md) is
that every child notices the closed master channel and ends: sessions close
their client connection, smbd-auth and smbd-rpc exit, nothing lingers, and
the listening port is gone. Acknowledged data stays on disk."""
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import smb2raw as s2  # noqa: E402
from cases_abc import open_file, sess  # noqa: E402
from harness import MASTER, PORT, TDIR, Suite, children  # noqa: E402


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def main():
    S = Suite()
    S.start()
    c = sess()
    fid = open_file(c, "before-master-kill.txt")
    data = os.urandom(100000)
    r = c.write(fid, data)
    S.check("M", "write acknowledged before the kill", r.status == 0, s2.st_name(r.status))
    kids = children(MASTER)
    os.kill(MASTER, signal.SIGKILL)
    t0 = time.time()
    closed = c.is_closed(15)
    S.check("M", "client connection closed by its session (%.1fs)" % (time.time() - t0), closed)
    end = time.time() + 15
    while time.time() < end and any(alive(p) for p in kids):
        time.sleep(0.1)
    left = [p for p in kids if alive(p)]
    S.check("M", "all %d children ended (%.1fs)" % (len(kids), time.time() - t0), not left, left)
    for p in left:
        os.kill(p, signal.SIGKILL)
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", PORT))
        refused = False
    except OSError:
        refused = True
    s.close()
    S.check("M", "port closed after the master died", refused)
    with open(os.path.join(TDIR, "share", "before-master-kill.txt"), "rb") as f:
        S.check("M", "acknowledged bytes on disk", f.read() == data)
    S.tally["M"][2] += 1  # no health check: the server is gone on purpose
    return 0 if S.summary({"M": "master killed"}) else 1


if __name__ == "__main__":
    sys.exit(main())
