#!/usr/bin/python3
"""Connection set-up throughput under a burst (issue #7; a measurement, not a
CI test): opens N connections as fast as possible with at most K in flight;
each sends NEGOTIATE, waits for the answer (the master has accepted the
connection, attached it to smbd-auth and smbd-rpc, and the new smbd-session
is up and serving) and closes. Reports connections per second, latency
percentiles, and the CPU time the master, smbd-auth and smbd-rpc spent per
connection (from /proc, so the measurement does not slow them down).
    accept_burst.py [N=200] [K...=1 8 32]
Run against a server started by tests/hostile/run.sh (HOSTILE_PARTS=cmd,
HOSTILE_CMD='python3 tests/hostile/accept_burst.py'), which exports
HOSTILE_PORT and HOSTILE_MASTER_PID."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smb2raw as s2  # noqa: E402
from harness import PORT, helper_pids  # noqa: E402

TCK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        return (int(v[11]) + int(v[12])) / TCK
    except (OSError, IndexError):
        return 0.0


def burst(n, k):
    sem = threading.Semaphore(k)
    lat, fails = [], []
    lock = threading.Lock()

    def one():
        t0 = time.time()
        try:
            c = s2.Conn(PORT, timeout=60)
            c.negotiate((0x0210,))
            with lock:
                lat.append(time.time() - t0)
            c.close()
        except Exception as e:  # noqa: BLE001
            with lock:
                fails.append(repr(e))
        finally:
            sem.release()

    hp = helper_pids()
    pids = {"master": hp["master"], "auth": hp["auth"][0] if hp["auth"] else 0,
            "rpc": hp["rpc"][0] if hp["rpc"] else 0}
    cpu0 = {r: cpu_s(p) for r, p in pids.items() if p}
    threads = []
    start = time.time()
    for _ in range(n):
        sem.acquire()
        t = threading.Thread(target=one)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    total = time.time() - start
    cpu = {r: (cpu_s(pids[r]) - c0) * 1000 / n for r, c0 in cpu0.items()}
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0

    print("N=%d K=%-3d served %d failed %d in %6.2f s = %6.1f conn/s; latency ms p50 %5.0f p90 %5.0f "
          "max %5.0f; CPU ms/conn master %.2f auth %.2f rpc %.2f" %
          (n, k, len(lat), len(fails), total, len(lat) / total, pct(0.5), pct(0.9),
           lat[-1] * 1000 if lat else 0, cpu.get("master", 0), cpu.get("auth", 0), cpu.get("rpc", 0)))
    if fails:
        print("  first failure:", fails[0])
    return not fails


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    ks = [int(x) for x in sys.argv[2:]] or [1, 8, 32]
    ok = True
    for k in ks:
        ok = burst(n, k) and ok
        time.sleep(2)  # let the sessions of the last burst exit
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
