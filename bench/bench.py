#!/usr/bin/python3
"""wsc receive benchmark on loopback: wsc vs wscat vs Python websockets vs a floor.

Run through bench/run.sh (which checks the peers and compiles the floor).
Environment:
  WSC            absolute path of the wsc binary (required unless wsc is not
                 in BENCH_CLIENTS)
  WSCAT          path of wscat (default bench/node_modules/.bin/wscat)
  FLOOR          path of the compiled floor client (run.sh sets it)
  BENCH_CLIENTS  comma-separated subset of floor,wsc,wscat,websockets
  BENCH_WORKLOADS comma-separated subset of A,B
  BENCH_REPEAT   timed runs per client and workload (default 3)
  BENCH_TIMEOUT  seconds before one client run is killed (default 120)
  BENCH_STRICT   if 1, exit 1 when a wsc target is missed
  BENCH_PROXY    an http:// proxy URL: wsc and wscat connect through it
                 (--proxy; the floor and Python websockets cannot)

For each client and workload there is first one verification run whose stdout
goes through a pipe into `wc -lc` (wscat: into a tmpfs file, as it drops queued
pipe output at exit), message and byte counts are checked, and it warms caches;
then BENCH_REPEAT timed runs with stdout on /dev/null. Wall time is measured
around the client process (time.monotonic from spawn to reap); peak RSS is GNU
time's %M for the client. If the verification run
fails or times out, the timed runs of that pair are skipped.
"""

import atexit
import datetime
import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
TIME = "/usr/bin/time"

WORKLOADS = {
    # name: (messages, payload bytes, bytes on the wire incl. the close frame)
    "A": (1_000_000, 32, 1_000_000 * (2 + 32) + 4),
    "B": (1024, 1 << 20, 1024 * (10 + (1 << 20)) + 4),
}
WORKLOAD_TEXT = {
    "A": "1,000,000 x 32 B text",
    "B": "1024 x 1 MiB text (1 GiB)",
}
CLIENT_ORDER = ["floor", "wsc", "wscat", "websockets"]

children = set()  # Popen objects we started and may have to kill


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def kill_group(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def cleanup():
    for p in list(children):
        kill_group(p)
        try:
            p.wait(timeout=5)
        except Exception:
            pass
    children.clear()


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


class Sender:
    def __init__(self):
        self.p = subprocess.Popen(
            [PY, os.path.join(HERE, "sender.py")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        children.add(self.p)
        line = self.p.stdout.readline()  # builds the 34 MB buffer first
        if not line.startswith("PORT "):
            err = self.p.stderr.read() if self.p.poll() is not None else ""
            die("sender did not start: %r %s" % (line, err))
        self.port = int(line.split()[1])
        self.events = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.p.stderr:
            self.events.put(line.rstrip("\n"))
        self.events.put(None)

    def drain(self):
        while True:
            try:
                self.events.get_nowait()
            except queue.Empty:
                return

    def wait_done(self, timeout):
        """Wait until the sender finished the connection (so the next run does
        not queue behind it). Returns the sender's last line, or None."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                die("sender died")
            if line.startswith("DONE") or line.startswith("sender:"):
                return line

    def stop(self):
        kill_group(self.p)
        self.p.wait()
        children.discard(self.p)


def client_cmd(name, port, wl, env):
    count = WORKLOADS[wl][0]
    url = "ws://127.0.0.1:%d/%s" % (port, wl)
    if name == "floor":
        return [env["FLOOR"], str(port), "/%s?eof" % wl], "devnull"
    proxy = ["--proxy", env["BENCH_PROXY"]] if env.get("BENCH_PROXY") else []
    if name == "wsc":
        return [env["WSC"], "-w", "-1", "-n", str(count)] + proxy + [url], "devnull"
    if name == "wscat":
        # wscat exits when its stdin ends, so stdin is a pipe we keep open; it
        # exits by itself when the server's close frame arrives.
        return [env["WSCAT"], "-c", url] + proxy, "pipe"
    if name == "websockets":
        return [PY, os.path.join(HERE, "client_websockets.py"), url], "devnull"
    raise ValueError(name)


def run_once(name, wl, port, env, verify, timeout, errlog):
    """One client run. verify: send stdout through `wc -lc` (or, for wscat,
    into a tmpfs file counted afterwards) instead of /dev/null."""
    argv, stdin_mode = client_cmd(name, port, wl, env)
    # GNU time reports the client's own peak RSS. wait4() on a child spawned
    # straight from this Python process would not: Linux carries the parent's
    # RSS high-water mark over exec() into ru_maxrss.
    rssfile = os.path.join(env["BENCH_TMP"], "rss")
    argv = [TIME, "-f", "%M %U %S", "-o", rssfile, "--"] + argv
    stdin = subprocess.PIPE if stdin_mode == "pipe" else subprocess.DEVNULL
    outfile = None
    if name == "floor":
        stdout = subprocess.PIPE  # prints one number
    elif verify and name == "wscat":
        # Node writes to a pipe asynchronously and wscat calls process.exit()
        # on close, dropping whatever is still queued: with 1 MiB messages a
        # pipe loses most of the output. Files are written synchronously.
        outfile = os.path.join(env["BENCH_TMP"], "out")
        stdout = open(outfile, "wb")
    elif verify:
        stdout = subprocess.PIPE
    else:
        stdout = subprocess.DEVNULL
    with open(errlog, "ab") as err:
        err.write(("--- %s %s %s\n" % (name, wl, " ".join(argv))).encode())
        err.flush()
        t0 = time.monotonic()
        p = subprocess.Popen(
            argv, stdin=stdin, stdout=stdout, stderr=err, start_new_session=True
        )
    children.add(p)
    counter = None
    if outfile:
        stdout.close()
    elif stdout == subprocess.PIPE and name != "floor":
        counter = subprocess.Popen(
            ["wc", "-lc"], stdin=p.stdout, stdout=subprocess.PIPE, text=True
        )
        children.add(counter)
        p.stdout.close()  # wc holds the read end now
    timed_out = threading.Event()

    def on_timeout():
        timed_out.set()
        kill_group(p)

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    while True:
        try:
            _, status, _ = os.wait4(p.pid, 0)
            break
        except InterruptedError:
            continue
    t1 = time.monotonic()
    timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    children.discard(p)
    if p.stdin:
        p.stdin.close()
    res = {
        "seconds": t1 - t0,
        "rss_kib": None,
        "cpu": None,
        "exit": p.returncode,
        "timeout": timed_out.is_set(),
    }
    try:
        with open(rssfile) as fh:
            last = fh.read().split("\n")
        fields = [x for x in last if x.strip()][-1].split()
        res["rss_kib"] = int(fields[0])
        res["cpu"] = float(fields[1]) + float(fields[2])
        os.unlink(rssfile)
    except (OSError, IndexError, ValueError):
        pass
    if name == "floor":
        out = p.stdout.read().strip()
        p.stdout.close()
        res["bytes"] = int(out) if out.isdigit() else None
    else:
        out = ""
        if counter is not None:
            try:
                out, _ = counter.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                kill_group(counter)
            children.discard(counter)
        elif outfile:
            out = subprocess.run(["wc", "-lc", outfile], stdout=subprocess.PIPE,
                                 text=True).stdout
            os.unlink(outfile)
        fields = out.split()
        if len(fields) >= 2:
            res["lines"], res["bytes"] = int(fields[0]), int(fields[1])
    return res


def check_verify(name, wl, res):
    """Returns None if the verification run is right, else what is wrong."""
    count, size, wire = WORKLOADS[wl]
    if res["timeout"]:
        return "timeout"
    problems = []
    if res["exit"] != 0:
        problems.append("exit %d" % res["exit"])
    if name == "floor":
        if res.get("bytes") != wire:
            problems.append("read %s bytes, expected %d" % (res.get("bytes"), wire))
    else:
        want = (count, count * (size + 1))
        got = (res.get("lines"), res.get("bytes"))
        if got != want:
            problems.append("got %s lines/%s bytes, expected %d/%d" % (got + want))
    return "; ".join(problems) or None


def fmt_s(x):
    return "%.3f" % x if x < 10 else "%.2f" % x


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(2)


def main():
    env = dict(os.environ)
    env.setdefault("WSCAT", os.path.join(HERE, "node_modules", ".bin", "wscat"))
    clients = [c for c in env.get("BENCH_CLIENTS", ",".join(CLIENT_ORDER)).split(",") if c]
    workloads = [w for w in env.get("BENCH_WORKLOADS", "A,B").split(",") if w]
    for c in clients:
        if c not in CLIENT_ORDER:
            die("unknown client %r (known: %s)" % (c, ",".join(CLIENT_ORDER)))
    for w in workloads:
        if w not in WORKLOADS:
            die("unknown workload %r" % w)
    repeat = int(env.get("BENCH_REPEAT", "3"))
    timeout = float(env.get("BENCH_TIMEOUT", "120"))
    for c, var in (("wsc", "WSC"), ("wscat", "WSCAT"), ("floor", "FLOOR")):
        if c in clients and not os.access(env.get(var, ""), os.X_OK):
            die("%s missing: %s=%r is not executable" % (c, var, env.get(var)))

    if not os.access(TIME, os.X_OK):
        die("%s (GNU time) is needed for peak RSS" % TIME)
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    env["BENCH_TMP"] = tempfile.mkdtemp(prefix="wsc-bench-", dir=shm)
    atexit.register(shutil.rmtree, env["BENCH_TMP"], True)

    resdir = os.path.join(HERE, "results")
    os.makedirs(resdir, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    errlog = os.path.join(resdir, "%s-stderr.log" % stamp)

    atexit.register(cleanup)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    log("bench: starting sender (precomputing frames)")
    sender = Sender()
    log("bench: sender on 127.0.0.1:%d; %d timed runs each, timeout %gs"
        % (sender.port, repeat, timeout))

    results = {}
    started = time.monotonic()
    load0 = os.getloadavg()[0]
    if load0 > 1.0:
        log("bench: warning: load average %.2f, timings will be noisy" % load0)
    for wl in workloads:
        for c in clients:
            r = {"runs": [], "verify": None, "problem": None}
            results[(c, wl)] = r
            sender.drain()
            v = run_once(c, wl, sender.port, env, True, timeout, errlog)
            sender.wait_done(10)
            r["verify"] = v
            r["problem"] = check_verify(c, wl, v)
            log("bench: %-10s %s verify  %7.3fs  %s" % (c, wl, v["seconds"], r["problem"] or "ok"))
            if r["problem"]:
                continue
            for i in range(repeat):
                sender.drain()
                t = run_once(c, wl, sender.port, env, False, timeout, errlog)
                sender.wait_done(10)
                r["runs"].append(t)
                bad = "timeout" if t["timeout"] else ("exit %d" % t["exit"] if t["exit"] else "")
                log("bench: %-10s %s run %d   %7.3fs  %s" % (c, wl, i + 1, t["seconds"], bad or "ok"))
                if bad:
                    r["problem"] = bad
                    break
    sender.stop()
    elapsed = time.monotonic() - started

    # Summaries.
    summary = {}
    for (c, wl), r in results.items():
        ok_runs = [t for t in r["runs"] if not t["timeout"] and t["exit"] == 0]
        med = statistics.median(t["seconds"] for t in ok_runs) if ok_runs and not r["problem"] else None
        rss = max([t["rss_kib"] or 0 for t in r["runs"]] + [r["verify"]["rss_kib"] or 0])
        cpus = [t["cpu"] for t in ok_runs if t["cpu"] is not None]
        cpu = statistics.median(cpus) if cpus and med is not None else None
        summary[(c, wl)] = {"median": med, "cpu": cpu, "rss_kib": rss, "problem": r["problem"]}

    def med(c, wl):
        s = summary.get((c, wl))
        return s["median"] if s else None

    lines = []
    lines.append("# wsc benchmark %s" % stamp)
    lines.append("")
    lines.append("Loopback, %s; %d timed runs per cell (median), stdout to /dev/null; "
                 "one extra verification run through `wc -lc` (wscat: via a file, see README). Host: %d CPUs, %s."
                 % ("wall time around the client process", repeat, os.cpu_count(),
                    os.uname().release))
    lines.append("")
    lines.append("Load average before/after: %.2f / %.2f (anything well above 0 means "
                 "other work shared the CPUs and wall times are noisy; compare CPU s)."
                 % (load0, os.getloadavg()[0]))
    lines.append("")
    lines.append("| client | workload | median s | x floor | wscat / client | CPU s | peak RSS MiB | check |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---|")
    for wl in workloads:
        for c in clients:
            s = summary[(c, wl)]
            m = s["median"]
            f = med("floor", wl)
            w = med("wscat", wl)
            if m is None:
                ms = ">timeout" if s["problem"] == "timeout" else "FAILED"
                if s["problem"] == "timeout":
                    ms = ">%gs" % timeout
            else:
                ms = fmt_s(m)
            xf = "%.2f" % (m / f) if m and f else "-"
            if c == "wscat":
                ww = "1.00" if m else "-"
            elif m and w:
                ww = "%.1f" % (w / m)
            elif m and summary.get(("wscat", wl), {}).get("problem") == "timeout":
                ww = ">%.0f" % (timeout / m)
            else:
                ww = "-"
            rss = "%.1f" % (s["rss_kib"] / 1024)
            cpu = "%.2f" % s["cpu"] if s["cpu"] is not None else "-"
            chk = "ok" if not s["problem"] else s["problem"]
            lines.append("| %s | %s %s | %s | %s | %s | %s | %s | %s |"
                         % (c, wl, WORKLOAD_TEXT[wl], ms, xf, ww, cpu, rss, chk))
    lines.append("")

    # Targets (only those whose inputs were measured).
    targets = []
    def target(desc, ok, detail):
        targets.append((desc, ok, detail))

    if "wsc" in clients:
        ma, fa, wa = med("wsc", "A"), med("floor", "A"), med("wscat", "A")
        if "A" in workloads:
            if ma and fa:
                target("A: wsc <= 3x floor", ma <= 3 * fa, "%.2fx" % (ma / fa))
            if ma and wa:
                target("A: wsc >= 20x faster than wscat", wa >= 20 * ma, "%.1fx" % (wa / ma))
            elif ma and summary.get(("wscat", "A"), {}).get("problem") == "timeout":
                target("A: wsc >= 20x faster than wscat", timeout >= 20 * ma,
                       "wscat timed out; >%.0fx" % (timeout / ma))
        mb, fb = med("wsc", "B"), med("floor", "B")
        if "B" in workloads and mb and fb:
            target("B: wsc <= 2x floor", mb <= 2 * fb, "%.2fx" % (mb / fb))
        limit_kib = 8 * 1024 + 1024
        for wl in workloads:
            s = summary[("wsc", wl)]
            target("%s: wsc peak RSS < 9 MiB (8 MiB + 1 MiB message)" % wl,
                   s["rss_kib"] < limit_kib, "%.1f MiB" % (s["rss_kib"] / 1024))
        for wl in workloads:
            s = summary[("wsc", wl)]
            if s["problem"]:
                target("%s: wsc output verified" % wl, False, s["problem"])
    if targets:
        lines.append("Targets:")
        lines.append("")
        for desc, ok, detail in targets:
            lines.append("- %s %s (%s)" % ("PASS" if ok else "FAIL", desc, detail))
        lines.append("")
    lines.append("Bench took %.0f s. Client stderr: %s" % (elapsed, os.path.relpath(errlog, HERE)))
    report = "\n".join(lines) + "\n"

    md_path = os.path.join(resdir, "%s.md" % stamp)
    with open(md_path, "w") as fh:
        fh.write(report)
    with open(os.path.join(resdir, "latest.md"), "w") as fh:
        fh.write(report)
    with open(os.path.join(resdir, "%s.json" % stamp), "w") as fh:
        json.dump({"%s/%s" % k: v for k, v in results.items()}, fh, indent=1)
    print(report, end="")
    log("bench: results saved to %s" % os.path.relpath(md_path, os.getcwd()))

    wsc_broken = any(summary[("wsc", wl)]["problem"] for wl in workloads) if "wsc" in clients else False
    missed = any(not ok for _, ok, _ in targets)
    if wsc_broken:
        return 1
    if missed and env.get("BENCH_STRICT") == "1":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
