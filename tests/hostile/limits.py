#!/usr/bin/python3
"""Resource limits (issue #7): each cap exceeded by one client. The offender
gets the error or is the one dropped; master, smbd-auth and smbd-rpc keep
their pids, and their memory (VmRSS) and fd counts stay bounded. run.sh sets
max connections = 100, max ip connections = 80, max open files = 200 and
smb2 max credits = 512."""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import smb2raw as s2  # noqa: E402
from cases_abc import DISC, fresh, open_file, sess  # noqa: E402
from harness import (ALICE, ALICE_PW, PORT, Suite, fd_count, helper_pids, newest_session,  # noqa: E402
                     outcome, reconfigure, rss_kb, session_pids, wait_sessions)

LIMITS = {
    "L1": "outstanding requests (unread answers)",
    "L2": "credits (smb2 max credits = 512)",
    "L3": "compound length (1024 commands)",
    "L4": "pre-auth PDU size (16 KiB)",
    "L5": "open files per client (max open files = 200)",
    "L6": "sessions per connection (128), trees per session (1024)",
    "L7": "connections per address (max ip connections, reloaded to 10)",
    "L8": "connections in total (max connections, reloaded to 15)",
    "L9": "time without a session (login timeout, reloaded to 3 s)",
}


def helper_usage():
    p = helper_pids()
    out = {}
    for k in ("auth", "rpc"):
        for pid in p[k]:
            out[k] = (rss_kb(pid), fd_count(pid))
    out["master"] = (rss_kb(p["master"]), fd_count(p["master"]))
    return out


def connect_from(src, n, negotiate=True):
    """n connections from source address src; returns (accepted, refused)."""
    ok, refused = [], 0
    for _ in range(n):
        try:
            c = s2.Conn(PORT, source=src)
        except OSError:
            refused += 1
            continue
        try:
            if negotiate:
                c.negotiate((0x210,))
            ok.append(c)
        except (s2.Disconnected, s2.Timeout, OSError, ValueError):
            refused += 1
            c.close()
    return ok, refused


def l1_outstanding(S):
    c = sess(dialects=(0x311,))
    c.call(s2.ECHO, s2.simple_body(), credits=512)
    fid = open_file(c, "l1.bin", os.urandom(1 << 20))
    pid = newest_session()
    base = rss_kb(pid)
    c.sock.settimeout(1.0)
    sent = 0
    # every credit we hold spent on 1 MiB READs that we never read
    while c.credits >= 16:
        try:
            c.sock.sendall(struct.pack(">I", 64 + 49) + s2.header(s2.READ, c.next_mid(16), c.sid, c.tid, 0, 16, 16)
                           + s2.read_body(fid, 1 << 20))
        except OSError:
            break
        c.credits -= 16
        sent += 1
    time.sleep(2)
    peak = rss_kb(pid)
    S.check("L1", "%d unread 1 MiB READs: session RSS %d -> %d kB" % (sent, base, peak),
            peak - base < 96 * 1024, "grew %d kB" % (peak - base))
    # then drain: every answer arrives
    got = 0
    try:
        while got < sent:
            got += len(c.recv_pdu(10))
    except (s2.Disconnected, s2.Timeout):
        pass
    S.check("L1", "all %d answers delivered once read" % sent, got == sent, got)
    c.close()


def l2_credits(S):
    c = sess(dialects=(0x311,))
    for i in range(20):
        c.call(s2.ECHO, s2.simple_body(), credits=65535)
    held = c.granted - c.mid
    S.check("L2", "asking 65535 credits 20 times: %d held" % held, held <= 512, held)
    got = outcome(c, [c.build(s2.ECHO, s2.simple_body(), mid=c.granted)])
    S.expect("L2", "one id past the grant", got, DISC)
    c.close()


def l3_compound(S):
    for n, ok in [(1024, True), (1025, False)]:
        c = sess(dialects=(0x311,))
        for _ in range(3):
            c.call(s2.ECHO, s2.simple_body(), credits=512)
        msgs = [c.build(s2.ECHO, s2.simple_body(), credits=1) for _ in range(n)]
        got = outcome(c, msgs, timeout=30)
        S.check("L3", "compound of %d" % n, (len(got) == n and got[0] == "SUCCESS") if ok else got == ["DISCONNECT"],
                "%s x%d" % (got[0], len(got)))
        c.close()


def l4_preauth(S):
    for ln, ok in [(16 * 1024, True), (16 * 1024 + 1, False), (1 << 20, False)]:
        c = fresh()
        body = s2.session_setup_body(b"\x60" + b"\0" * (ln - 64 - 24 - 1))
        msg = c.build(s2.SESSION_SETUP, body, sid=0)
        got = outcome(c, [msg])
        S.check("L4", "pre-auth SESSION_SETUP frame of %d bytes" % len(msg),
                (got[0] != "DISCONNECT") if ok else got == ["DISCONNECT"], got)
        c.close()
    c = sess(dialects=(0x311,))
    c.call(s2.ECHO, s2.simple_body(), credits=64)
    fid = open_file(c, "l4.bin")
    r = c.write(fid, b"x" * (1 << 20))
    S.check("L4", "after login a 1 MiB WRITE passes", r.status == 0, s2.st_name(r.status))
    c.close()


def l5_open_files(S):
    c = sess()
    pid = newest_session()
    fids = []
    status = None
    for i in range(205):
        r, fid = c.create("l5-%d.txt" % i, disposition=5)
        if r.status:
            status = s2.st_name(r.status)
            break
        fids.append(fid)
    S.check("L5", "opens until the cap: %d, then %s" % (len(fids), status),
            len(fids) == 200 and status == "TOO_MANY_OPENED_FILES", (len(fids), status))
    S.check("L5", "session fds bounded at the cap", fd_count(pid) < 260, fd_count(pid))
    other = sess()
    r, fid = other.create("l5-other.txt", disposition=5)
    S.check("L5", "another client still opens files", r.status == 0, s2.st_name(r.status))
    other.close()
    c.close_file(fids.pop())
    r, fid = c.create("l5-again.txt", disposition=5)
    S.check("L5", "after one CLOSE the offender may open one again", r.status == 0, s2.st_name(r.status))
    c.close()


def l6_sessions_trees(S):
    c = fresh()
    n_ok, last = 0, None
    for i in range(130):
        r = c.session_setup(ALICE, ALICE_PW)
        if r.status:
            last = s2.st_name(r.status)
            break
        n_ok += 1
    S.check("L6", "authenticated sessions on one connection: %d, then %s" % (n_ok, last),
            n_ok == 128 and last == "INSUFFICIENT_RESOURCES", (n_ok, last))
    pid = newest_session()
    S.check("L6", "session fds bounded with 128 sessions", fd_count(pid) < 64, fd_count(pid))
    c.close()
    c = sess()
    n_ok, last = 0, None
    for i in range(1030):
        r = c.call(s2.TREE_CONNECT, s2.tree_connect_body("\\\\127.0.0.1\\pub"), tid=0)
        if r.status:
            last = s2.st_name(r.status)
            break
        n_ok += 1
    S.check("L6", "trees in one session: %d more, then %s" % (n_ok, last),
            n_ok == 1023 and last == "INSUFFICIENT_RESOURCES", (n_ok, last))
    c.close()


def l7_per_address(S):
    # lower caps through a reload (SIGHUP): fewer sessions to start
    S.check("L7", "reload with max ip connections = 10, max connections = 15",
            reconfigure({"max ip connections": 10, "max connections": 15}))
    before = helper_usage()
    ok, refused = connect_from("127.0.0.5", 12)
    S.check("L7", "12 connections from 127.0.0.5: %d served, %d refused" % (len(ok), refused),
            len(ok) == 10 and refused == 2, (len(ok), refused))
    try:
        h = sess()
        S.check("L7", "127.0.0.1 still served meanwhile", h.echo().status == 0)
        h.close()
    except Exception as e:  # noqa: BLE001
        S.check("L7", "127.0.0.1 still served meanwhile", False, repr(e))
    for c in ok:
        c.close()
    S.check("L7", "the 10 sessions go away", wait_sessions(0, 30), len(session_pids()))
    ok2, refused2 = connect_from("127.0.0.5", 3)
    S.check("L7", "127.0.0.5 served again after closing", len(ok2) == 3, (len(ok2), refused2))
    for c in ok2:
        c.close()
    wait_sessions(0, 30)
    check_bounded(S, "L7", before)


def l8_total(S):
    before = helper_usage()
    a, ra = connect_from("127.0.0.6", 10)
    b, rb = connect_from("127.0.0.7", 8)
    S.check("L8", "10 + 8 connections from two addresses: %d served, %d refused" % (
        len(a) + len(b), ra + rb), len(a) + len(b) == 15 and ra + rb == 3, (len(a), ra, len(b), rb))
    for c in a + b:
        c.close()
    S.check("L8", "all sessions go away", wait_sessions(0, 30), len(session_pids()))
    check_bounded(S, "L8", before)
    S.check("L8", "reload back to max ip connections = 80, max connections = 100",
            reconfigure({"max ip connections": 80, "max connections": 100}))


def l9_login_timeout(S):
    S.check("L9", "reload with login timeout = 3", reconfigure({"login timeout": 3}))
    silent = s2.Conn(PORT)
    half = s2.Conn(PORT)
    half.send_raw(b"\0\0\0\x40\xfeSMB")
    negotiated = fresh()
    legged = fresh()
    legged.call(s2.SESSION_SETUP, s2.session_setup_body(s2.spnego_init(s2.ntlm_negotiate())), sid=0)
    authed = sess()
    time.sleep(4.5)
    for what, c in [("silent", silent), ("half a frame", half), ("negotiated only", negotiated),
                    ("first NTLM leg only", legged)]:
        S.check("L9", "%s connection dropped after the login timeout" % what, c.is_closed(5))
        c.close()
    try:
        S.check("L9", "authenticated connection kept", authed.echo().status == 0)
    except Exception as e:  # noqa: BLE001
        S.check("L9", "authenticated connection kept", False, repr(e))
    authed.close()
    S.check("L9", "reload with login timeout = 120", reconfigure({"login timeout": 120}))


def check_bounded(S, cls, before):
    time.sleep(0.5)
    after = helper_usage()
    for k, (rss0, fd0) in before.items():
        rss1, fd1 = after.get(k, (0, 0))
        S.check(cls, "%s RSS %d -> %d kB, fds %d -> %d" % (k, rss0, rss1, fd0, fd1),
                rss1 - rss0 < 16 * 1024 and fd1 - fd0 <= 2, (rss1, fd1))


def main():
    S = Suite()
    S.start()
    for cls, fn in [("L1", l1_outstanding), ("L2", l2_credits), ("L3", l3_compound), ("L4", l4_preauth),
                    ("L5", l5_open_files), ("L6", l6_sessions_trees), ("L7", l7_per_address),
                    ("L8", l8_total), ("L9", l9_login_timeout)]:
        S.run_item(cls, fn.__name__, fn)
    return 0 if S.summary(LIMITS) else 1


if __name__ == "__main__":
    sys.exit(main())
