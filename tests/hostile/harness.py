"""Bookkeeping for the hostile suite: the server's processes, health checks
after every item, and the per-class tally.

Environment (set by run.sh): HOSTILE_PORT, HOSTILE_MASTER_PID, HOSTILE_LOG
(the server's stderr), HOSTILE_DIR (temp dir with share/, alice/, ...),
HOSTILE_ALICE/_PW, HOSTILE_BOB/_PW.
"""
import os
import re
import struct
import sys
import time
import traceback

import smb2raw as s2

PORT = int(os.environ.get("HOSTILE_PORT", "445"))
MASTER = int(os.environ.get("HOSTILE_MASTER_PID", "0"))
LOG = os.environ.get("HOSTILE_LOG", "")
TDIR = os.environ.get("HOSTILE_DIR", "/tmp")
ALICE = os.environ.get("HOSTILE_ALICE", "cifsd_alice")
ALICE_PW = os.environ.get("HOSTILE_ALICE_PW", "")
BOB = os.environ.get("HOSTILE_BOB", "cifsd_bob")
BOB_PW = os.environ.get("HOSTILE_BOB_PW", "")
VERBOSE = os.environ.get("HOSTILE_VERBOSE", "0") == "1"

SANITIZER_RE = re.compile(r"AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|"
                          r"runtime error:|ThreadSanitizer")
SIGNAL_RE = re.compile(r"smbd-session pid (\d+) killed by signal (\d+)")


def reconfigure(settings):
    """Sets global parameters in the server's smb.conf (HOSTILE_CONF) and
    reloads it with SIGHUP; new connections use the new values."""
    import signal
    conf = os.environ["HOSTILE_CONF"]
    with open(conf) as f:
        lines = f.read().split("\n")
    for k, v in settings.items():
        lines = [l for l in lines if l.strip().split("=")[0].strip() != k]
        lines.insert(lines.index("[global]") + 1, "\t%s = %s" % (k, v))
    with open(conf, "w") as f:
        f.write("\n".join(lines))
    before = open(LOG, "rb").read().count(b"configuration reloaded") if LOG else 0
    os.kill(MASTER, signal.SIGHUP)
    end = time.time() + 20
    while time.time() < end:
        if open(LOG, "rb").read().count(b"configuration reloaded") > before:
            return True
        time.sleep(0.1)
    return False


def children(pid):
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def role(pid):
    try:
        return os.path.basename(os.readlink("/proc/%d/exe" % pid))
    except OSError:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                return os.path.basename(f.read().split(b"\0")[0].decode())
        except OSError:
            return "?"


def procs():
    """{role: [pids]} of the master's children."""
    r = {}
    for p in children(MASTER):
        r.setdefault(role(p), []).append(p)
    return r


def helper_pids():
    p = procs()
    return {"master": MASTER if os.path.exists("/proc/%d" % MASTER) else None,
            "auth": tuple(p.get("smbd-auth", [])), "rpc": tuple(p.get("smbd-rpc", []))}


def status_field(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split()[1]
    except OSError:
        return None
    return None


def rss_kb(pid):
    v = status_field(pid, "VmRSS")
    return int(v) if v else 0


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return 0


def session_pids():
    return procs().get("smbd-session", [])


def newest_session():
    """The session process of the most recent connection (largest pid that
    appeared; pids grow between wraps, good enough for a test)."""
    s = session_pids()
    return max(s) if s else None


def wait_sessions(n, timeout=10.0):
    """Waits until at most n session processes are left, counting zombies
    (the master frees a session's connection slot only when it reaps it)."""
    end = time.time() + timeout
    while time.time() < end:
        kids = [p for p in children(MASTER) if role(p) not in ("smbd-auth", "smbd-rpc")]
        if len(kids) <= n:
            return True
        time.sleep(0.05)
    return False


def outcome(c, msgs=None, timeout=10.0, encrypt=None):
    """Sends msgs (built messages, one compound) if given and returns the
    list of status names of the answer, or ["DISCONNECT"] / ["TIMEOUT"]."""
    try:
        if msgs is not None:
            c.send_msgs(msgs, encrypt=encrypt)
        rs = c.recv_pdu(timeout)
        return [s2.st_name(r.status) for r in rs]
    except s2.Disconnected:
        return ["DISCONNECT"]
    except s2.Timeout:
        return ["TIMEOUT"]


def raw_outcome(c, data, timeout=5.0):
    """Sends raw bytes; returns the statuses of an answer, or DISCONNECT (the
    server closed), or TIMEOUT."""
    try:
        c.send_raw(data)
        rs = c.recv_pdu(timeout)
        return [s2.st_name(r.status) for r in rs]
    except s2.Disconnected:
        return ["DISCONNECT"]
    except s2.Timeout:
        return ["TIMEOUT"]
    except (ValueError, struct.error):
        return ["GARBAGE"]


class Suite:
    def __init__(self):
        self.tally = {}      # class -> [inputs, failed inputs, items, failed items]
        self.failures = []
        self.base = None
        self.log_off = 0
        self.expected_kills = 0

    def start(self):
        self.base = helper_pids()
        self.log_off = os.path.getsize(LOG) if LOG and os.path.exists(LOG) else 0
        if not self.base["master"] or not self.base["auth"] or not self.base["rpc"]:
            print("FAIL: server processes not found: %r" % self.base)
            sys.exit(1)

    def rebase(self):
        """After a test that restarts a helper on purpose."""
        self.base = helper_pids()

    def _t(self, cls):
        return self.tally.setdefault(cls, [0, 0, 0, 0])

    # One input: `ok` says whether the server answered as expected.
    def check(self, cls, what, ok, got=""):
        t = self._t(cls)
        t[0] += 1
        if not ok:
            t[1] += 1
            self.failures.append("%s: %s (got %s)" % (cls, what, got))
            print("  FAIL %s: %s -> %s" % (cls, what, got))
        elif VERBOSE:
            print("  ok   %s: %s -> %s" % (cls, what, got))
        return ok

    def expect(self, cls, what, got, allowed):
        """got: list of statuses (or one); allowed: set of names; the first
        answer must be one of them."""
        g = got if isinstance(got, list) else [got]
        return self.check(cls, what, bool(g) and g[0] in allowed, ",".join(g))

    def new_log(self):
        if not LOG or not os.path.exists(LOG):
            return ""
        with open(LOG, "rb") as f:
            f.seek(self.log_off)
            data = f.read().decode("utf-8", "replace")
        self.log_off += len(data.encode("utf-8", "replace"))
        return data

    def health(self, cls, item):
        """The server still serves a fresh client; master, auth and rpc are
        the same processes; no sanitizer report and no session killed by a
        signal since the last check."""
        problems = []
        try:
            c = s2.login(PORT, ALICE, ALICE_PW, "share")
            r, fid = c.create("health-%d.txt" % os.getpid(), disposition=5)
            if r.status:
                problems.append("fresh client create: " + s2.st_name(r.status))
            else:
                w = c.write(fid, b"healthy")
                rr, data = c.read(fid, 7)
                if w.status or data != b"healthy":
                    problems.append("fresh client I/O")
                c.close_file(fid)
            c.close()
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            problems.append("fresh client: %r" % e)
        now = helper_pids()
        # docs/hardening.md: no TSan build because every server process is
        # single-threaded; this keeps that premise checked
        for p in [MASTER] + children(MASTER):
            th = status_field(p, "Threads")
            if th and th != "1":
                problems.append("%s (pid %d) has %s threads: revisit the TSan decision" % (role(p), p, th))
        for k in ("master", "auth", "rpc"):
            if now[k] != self.base[k]:
                problems.append("%s changed %r -> %r" % (k, self.base[k], now[k]))
        time.sleep(0.05)
        log = self.new_log()
        if SANITIZER_RE.search(log):
            m = SANITIZER_RE.search(log)
            problems.append("sanitizer report: " + log[max(0, m.start() - 200): m.start() + 600])
        kills = SIGNAL_RE.findall(log)
        unexpected = len(kills) - self.expected_kills
        self.expected_kills = 0
        if unexpected > 0:
            problems.append("session killed by signal: %r" % kills)
        t = self._t(cls)
        t[2] += 1
        if problems:
            t[3] += 1
            self.failures.append("%s: %s: health: %s" % (cls, item, "; ".join(problems)))
            print("  FAIL %s/%s health: %s" % (cls, item, "; ".join(problems)))
            self.base = helper_pids()  # do not report the same change again
            return False
        return True

    def run_item(self, cls, name, fn):
        t0 = time.time()
        before = self._t(cls)[0]
        try:
            fn(self)
        except Exception:  # noqa: BLE001
            self.check(cls, name + " raised", False, traceback.format_exc(limit=4))
        self.health(cls, name)
        print("  %s %-44s %3d inputs %5.1fs" % (cls, name, self._t(cls)[0] - before,
                                                 time.time() - t0))
        sys.stdout.flush()

    def summary(self, descr):
        print()
        print("%-6s %-52s %7s %6s %8s" % ("class", "", "inputs", "failed", "items ok"))
        tot = [0, 0, 0, 0]
        for cls in sorted(self.tally):
            t = self.tally[cls]
            print("%-6s %-52s %7d %6d %4d/%-4d" % (cls, descr.get(cls, ""), t[0], t[1],
                                                   t[2] - t[3], t[2]))
            for i in range(4):
                tot[i] += t[i]
        print("%-6s %-52s %7d %6d %4d/%-4d" % ("total", "", tot[0], tot[1], tot[2] - tot[3], tot[2]))
        if self.failures:
            print("\nfailures:")
            for f in self.failures:
                print("  " + f[:1500])
        return not self.failures
