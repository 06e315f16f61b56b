#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end latency and throughput: ose-sim -> TLS -> ose-feed -> ring ->
ose-engine -> order table, all real processes on loopback.

  bench_e2e.py SOURCE_ROOT BUILD_ROOT [--quick] [--only TAG,...] [--seconds S]
               [--nice N] [--sim-nice N]

--nice N runs the engine and the feeds at that nice value (--sim-nice: the
simulator), for a machine shared with other CPU-bound work.
E2E_PINNED_WAIT=auto|sleep|yield sets the pinned engine's wait instead of
spin (experiments); E2E_STAGES_WINDOWS=MS adds per-stretch stage lines.
E2E_SIM_CPUS=0,1 / E2E_FEED_CPUS=... set the simulator's / the feeds' CPUs
(experiments with the layout; the pinned runs default to all CPUs but the
engine's).
Scheduling experiments (docs/operations.md section 5): E2E_SESSIONS=1 starts
the simulator, the engine and each feed in a session of its own (its own
autogroup, as separate services would be); E2E_ENGINE_RT=P, E2E_FEED_RT=P,
E2E_SIM_RT=P give that process's main thread SCHED_FIFO priority P (the
engine's main thread is its hot thread; needs CAP_SYS_NICE).
E2E_SIM_SPIN=1: the simulator paces by spinning (ose-sim --spin) instead
of sleeping between ticks (an experiment; see run()).

Latency (simulator send -> visible in the table) of every event the engine
applied, from its journal (perf/e2e/e2e_stages.c): the engine's clock at
the start of the poll turn that applied the event minus the simulator's
ose_ts stamp, which ose-sim writes right before the wolfSSL_write() that
sends the message (tools/sim/sim_main.c, stamp_patch) and the adapter
copies into the event's send_ts_ns.  The simulator paces in ticks of
100 us (burst = rate / 10000 messages per tick, at least 1; E2E_BURST=N
overrides), the way a paced sender
writes small bursts as soon as they are made.

Prints, per DESIGN section 12:
  BENCH e2e.latency.{p50,p99,p999,max}.{10k,100k}.{1feed,6feeds} ns
  BENCH e2e.latency.*.100k.1feed.mexc ns  (the same through the MEXC protobuf feed)
  BENCH e2e.rate.* ev/s  (events applied per second over the engine-clock
        span of the journal), next to e2e.rate.*.offered
  BENCH e2e.*.10k.1feed.yield  (the 10k/1-feed run with OSE_WAIT=yield)
  BENCH e2e.*.{10k,100k}.{1feed,6feeds}.pinned  (the layout an operator gives
        a small box: engine hot thread pinned to the last core and spinning,
        its slow-path thread, the simulator and the feeds on the other cores)
  BENCH e2e.*.100k.6feeds.pinned.shared  (six feeds, the engine's hot thread
        pinned to the last core but sleeping on the doorbell when idle (wait =
        auto), the simulator and the feeds free to use every core: the
        alternative to the pinned layout for six feeds)
  BENCH e2e.*.100k.1feed.pinned.rt  (the same layout, the engine's hot thread
        sleeping on the doorbell when idle (wait = auto) at SCHED_FIFO 10:
        what an operator gets from `chrt` on a core shared with anything;
        skipped without the privilege)
  BENCH e2e.*.100k.1feed.pinned.nice10  (the same layout at nice -10, each
        process in its own session whose autogroup gets nice -10 too: with
        sched_autogroup on, other sessions' work shares a core with the
        pipeline by session, whatever the processes' own nice values)
  BENCH e2e.*.100k.1feed.nice10  (the 100k/1-feed run with the engine, the
        feed and the simulator at nice -10: what the pipeline does when the
        rest of a shared box cannot take its cores, with the simulator still
        pacing as a remote venue would; skipped without the privilege to
        raise priority)
  BENCH e2e.cpu_per_event.{sim,feeds,engine,engine_slow}.* ns  (process CPU
        time from when the feeds start, start-up excluded, / events; engine_slow: the engine's threads but the hot one;
        sim: without the CPU it spent waiting under --spin, which is
        BENCH e2e.cpu_spin.sim.*)
  BENCH e2e.throughput.{1feed,6feeds} ev/s  (highest applied rate of the runs
        with no ring-full stall: bounded by what the simulator can offer here)
  BENCH e2e.stage.{wire,feed,ring,total}.{p50,p99,p999,max}.<rate>.<feeds> ns
        every applied event: sim send -> recv reaped -> adapter done ->
        engine apply turn (total is the latency above)
  BENCH e2e.feedhist.{decrypt,parse,ring,total}.p50|p99.100k.1feed ns  (the
        feed's own power-of-two histograms: recv reaped -> decrypted -> parsed
        -> committed; bucket upper bounds)
  BENCH e2e.stage.apply.p50|p99.100k.1feed ns  (engine: ring pop -> slot)
  BENCH e2e.engine_f2t.{p50,p99,p999,max}.* ns  (the engine's own frame ->
        table histogram, ose-dump's FRAME TO TABLE: feed socket readable ->
        slot published, bucket upper bounds; the latency above minus the
        simulator's send and the loopback)
  BENCH e2e.sim_late.{p50,p99,p999,max}.* ns  (coordinated omission: how
        long after its place in the schedule the simulator made each
        message; a simulator stall is here, not in the latency above)
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

SRC, BUILD = sys.argv[1], sys.argv[2]
QUICK = "--quick" in sys.argv
NICE, SIM_NICE = 0, 0
for _i, _a in enumerate(sys.argv):
    if _a == "--nice":
        NICE = int(sys.argv[_i + 1])
    if _a == "--sim-nice":
        SIM_NICE = int(sys.argv[_i + 1])

PATHS = {"binance": "/binance/ws-api/v3", "okx": "/okx/ws/v5/private", "bybit": "/bybit/v5/private",
         "gate": "/gate/ws/v4/", "coinbase": "/coinbase/", "mexc": "/mexc/ws?listenKey=lk"}
ALL = list(PATHS)
# The load matrix: (tag, events/s) x (tag, venues), in the automatic and
# the pinned layout.
RATES = (("10k", 10000), ("100k", 100000))
FEEDS = (("1feed", ["binance"]), ("6feeds", ALL))
BIN = {k: os.path.join(BUILD, v) for k, v in {
    "sim": "tools/sim/ose-sim", "engine": "engine/ose-engine",
    "feed": "feeds/ose-feed", "dump": "tools/dump/ose-dump"}.items()}
OWN_SESSION = os.environ.get("E2E_SESSIONS", "0") == "1"
CRED = {"OSE_API_KEY": "bench", "OSE_API_SECRET": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
        "OSE_API_PASSPHRASE": "pp", "OSE_LISTEN_KEY": "lk"}


def cpu_s(pid):
    """utime + stime of pid in seconds (0 if gone)."""
    try:
        f = open("/proc/%d/stat" % pid).read()
    except OSError:
        return 0.0
    fields = f[f.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def renice_all(pid, n):
    """Nice value n for every thread of pid (PRIO_PROCESS on a pid renices
    only that thread on Linux, and the engine's hot thread is not it) and
    for its session's autogroup, which is what competes with other
    sessions' work for a core when sched_autogroup is on."""
    for t in os.listdir("/proc/%d/task" % pid):
        os.setpriority(os.PRIO_PROCESS, int(t), n)
    try:
        with open("/proc/%d/autogroup" % pid, "w") as f:
            f.write(str(n))
    except FileNotFoundError:
        pass  # a kernel without autogroups


def sys_s(pid):
    """stime of pid in seconds (0 if gone): the kernel's part of cpu_s."""
    try:
        f = open("/proc/%d/stat" % pid).read()
    except OSError:
        return 0.0
    return int(f[f.rindex(")") + 2:].split()[12]) / os.sysconf("SC_CLK_TCK")


def cpu_threads_s(pid):
    """utime + stime of each thread of pid in seconds, largest first."""
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            f = open("/proc/%d/task/%s/stat" % (pid, t)).read()
            fields = f[f.rindex(")") + 2:].split()
            out.append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    except OSError:
        pass
    return sorted(out, reverse=True)


def busy_s():
    """Non-idle CPU time of the whole machine in seconds (/proc/stat)."""
    f = open("/proc/stat").readline().split()[1:]
    return (sum(int(x) for x in f[:8]) - int(f[3]) - int(f[4])) / os.sysconf("SC_CLK_TCK")


def ctxsw(pid):
    """(voluntary, involuntary) context switches of every thread of pid."""
    v = n = 0
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            for line in open("/proc/%d/task/%s/status" % (pid, t)):
                if line.startswith("voluntary_ctxt_switches:"):
                    v += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    n += int(line.split()[1])
    except OSError:
        pass
    return v, n


def wait_for(pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


def dump_json(env, inst):
    r = subprocess.run([BIN["dump"], "--instance", inst, "--json"], env=env, capture_output=True, timeout=60)
    return json.loads(r.stdout) if r.returncode == 0 else None


def run(venues, total_rate, seconds, tag, extra_env=None, nice=None, sim_nice=None, pinned=False,
        wait=None, engine_rt=None, sim_spin=None, shared=False):
    if sim_spin is None:
        # E2E_SIM_SPIN=1: the simulator paces by spinning (ose-sim --spin)
        # instead of sleeping between ticks.  Not the default: it halves
        # the simulator's CPU per event and ends the idle/wake steal on
        # core 0, but a core 0 that never idles makes the scheduler put
        # every other runnable task on the engine's core, and in the
        # pinned runs of 2026-11-23 10:38-10:43 the engine's ring stage
        # was worse (docs/operations.md section 9).
        sim_spin = os.environ.get("E2E_SIM_SPIN", "0") == "1"
    if nice is None:
        nice = NICE
    if sim_nice is None:
        sim_nice = SIM_NICE
    tmp = tempfile.mkdtemp(prefix="ose-bench-e2e-")
    # The segments live where a deployment keeps them (the default,
    # /dev/shm: tmpfs), not next to the journal: a MAP_SHARED file on a
    # disk filesystem gets written back, and the next store to a page
    # under writeback takes a write fault in the engine's or feed's hot
    # path.  The journal stays on disk, as deployed.
    shm = tempfile.mkdtemp(prefix="ose-bench-e2e-",
                           dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    env = dict(os.environ, OSE_SHM_DIR=shm, OSE_JOURNAL_DIR=tmp, **(extra_env or {}))
    inst = "bench%d" % os.getpid()
    procs = []
    # pinned: the engine's hot thread owns the last core and spins; the
    # simulator and the feeds (every thread they start) stay off it.
    engine_cpu = os.cpu_count() - 1
    rest = set(range(engine_cpu))
    # shared: the engine's hot thread is pinned but the simulator and the
    # feeds may run on every core, its own included.
    pre = (lambda: os.sched_setaffinity(0, rest)) if pinned and not shared else None

    def cpus_env(var, dflt):
        v = os.environ.get(var)
        if not v:
            return dflt
        cs = set(int(x) for x in v.split(","))
        return lambda: os.sched_setaffinity(0, cs)
    pre_sim = cpus_env("E2E_SIM_CPUS", pre)
    pre_feed = cpus_env("E2E_FEED_CPUS", pre)
    try:
        with open(tmp + "/ose.ini", "w") as f:
            f.write("[engine]\ninstance = %s\ncapacity = 262144\nbooks = 1024\nfsync = none\n"
                    "events_capacity = 262144\n" % inst)
            if pinned:
                f.write("cpu = %d\nwait = %s\n" % (engine_cpu, wait or os.environ.get("E2E_PINNED_WAIT", "spin")))
        rate = max(1, total_rate // len(venues))
        # burst = rate / 10000 rounded down, the tick burst / rate: the
        # six-feed 100k case (16,667/s a venue) sends 1 message every 60 us
        # to each feed, 100,000 sends and feed wakeups a second where the
        # 1-feed case has 10,000 (10 every 100 us).  E2E_BURST=N sets the
        # burst (experiments).  E2E_BURST=2 (2 every 120 us) cut the
        # simulator's and the feeds' CPU per event by a third under load
        # but did not change the pinned six-feed p99 on a quiet machine
        # (docs/operations.md section 9), so the pacing stays comparable
        # with earlier figures.
        burst = int(os.environ.get("E2E_BURST", "0")) or max(1, rate // 10000)
        # A process given a nice value starts its own session: with
        # sched_autogroup on (Debian's default) the scheduler shares a core
        # between sessions first, and nice acts only inside one, so that
        # session's autogroup gets the nice value (renice_all).
        sim = subprocess.Popen([BIN["sim"], "--venue", ",".join(venues), "--gen-certs", tmp + "/certs",
                                "--port", "0", "--port-file", tmp + "/port", "--seed", "5",
                                "--orders", "10000000", "--symbols", "4", "--rate", str(rate),
                                "--burst", str(burst), "--account", "main",
                                "--truth", tmp + "/truth.json", "--late-file", tmp + "/late.json"]
                               + (["--spin"] if sim_spin else []),
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=pre_sim, start_new_session=bool(sim_nice) or OWN_SESSION)
        procs.append(sim)
        eng = subprocess.Popen([BIN["engine"], "--config", tmp + "/ose.ini"], env=env,
                               stdout=open(tmp + "/engine.log", "w"), stderr=subprocess.STDOUT,
                               start_new_session=bool(nice) or OWN_SESSION)
        procs.append(eng)
        if not wait_for(lambda: os.path.exists(tmp + "/port") and os.path.getsize(tmp + "/port") > 0, 30):
            raise RuntimeError("ose-sim did not start")
        if not wait_for(lambda: " running" in open(tmp + "/engine.log").read(), 60):
            raise RuntimeError("ose-engine did not start")
        port = open(tmp + "/port").read().strip()
        feeds = []
        for v in venues:
            p = subprocess.Popen([BIN["feed"], "--instance", inst, "--venue", v, "--account", "main",
                                  "--url", "wss://127.0.0.1:%s%s" % (port, PATHS[v]), "--ca",
                                  tmp + "/certs/ca.pem"], env=dict(env, **CRED),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=pre_feed,
                                 start_new_session=bool(nice) or OWN_SESSION)
            procs.append(p)
            feeds.append(p)
        for var, ps in (("E2E_ENGINE_RT", [eng]), ("E2E_FEED_RT", feeds), ("E2E_SIM_RT", [sim])):
            rt = int(os.environ.get(var, "0"))
            if var == "E2E_ENGINE_RT" and engine_rt is not None:
                rt = engine_rt
            for p in ps if rt else []:
                # experiment: SCHED_FIFO for the process's main thread (the
                # engine's hot thread; the feed's and the simulator's only one)
                os.sched_setscheduler(p.pid, os.SCHED_FIFO, os.sched_param(rt))
        for p, n in [(eng, nice)] + [(f, nice) for f in feeds] + [(sim, sim_nice)]:
            if n:
                renice_all(p.pid, n)
        ours0 = sum(cpu_s(p.pid) for p in procs)
        # CPU per event counts from here (the processes' start-up, e.g. the
        # simulator faulting in its order array, is not per event).
        cpu0 = {"sim": cpu_s(sim.pid), "engine": cpu_s(eng.pid), "feeds": sum(cpu_s(p.pid) for p in feeds),
                "engine_slow": sum(cpu_threads_s(eng.pid)[1:])}
        sys0 = {"sim": sys_s(sim.pid), "engine": sys_s(eng.pid), "feeds": sum(sys_s(p.pid) for p in feeds)}
        busy0, t0 = busy_s(), time.monotonic()
        time.sleep(seconds + 1.0)  # ~1 s to connect and subscribe
        cpu = {"sim": cpu_s(sim.pid), "engine": cpu_s(eng.pid), "feeds": sum(cpu_s(p.pid) for p in feeds)}
        sys_cpu = {"sim": sys_s(sim.pid), "engine": sys_s(eng.pid), "feeds": sum(sys_s(p.pid) for p in feeds)}
        sys_cpu = {k: v - sys0[k] for k, v in sys_cpu.items()}
        # What the rest of the box ran meanwhile, in cores: the neighbours
        # every latency figure of a shared machine includes.
        others = ((busy_s() - busy0) - (sum(cpu_s(p.pid) for p in procs) - ours0)) / (time.monotonic() - t0)
        # The engine's threads other than its busiest (the hot thread):
        # the slow path (journal, timers), which shares the feeds' cores
        # in the pinned layout.
        cpu["engine_slow"] = sum(cpu_threads_s(eng.pid)[1:])
        cpu = {k: v - cpu0[k] for k, v in cpu.items()}
        sw = {"sim": ctxsw(sim.pid), "engine": ctxsw(eng.pid),
              "feeds": tuple(map(sum, zip(*[ctxsw(p.pid) for p in feeds])))}
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=30)
        time.sleep(0.3)
        for p in feeds:
            p.send_signal(signal.SIGTERM)
        for p in feeds:
            p.wait(timeout=30)
        d = None

        def drained():
            nonlocal d
            d = dump_json(env, inst)
            return d is not None and all(r["lag"] == 0 for r in d["rings"])
        wait_for(drained, 60)
        # Stop the engine cleanly (journal written), then the per-event
        # figures from the journal.
        eng.send_signal(signal.SIGTERM)
        eng.wait(timeout=60)
        stages = ""
        tool = os.environ.get("E2E_STAGES", os.path.join(BUILD, "perf/e2e/e2e_stages"))
        if os.access(tool, os.X_OK):
            sr = subprocess.run([tool, "%s/journal-%s.ose" % (tmp, inst), tag], capture_output=True,
                                text=True, timeout=300)
            stages = sr.stdout
        fig = {}
        for line in stages.splitlines():
            f = line.split()
            if len(f) == 4 and f[0] == "BENCH":
                fig[f[1]] = float(f[2])
        try:
            late = json.load(open(tmp + "/late.json"))
        except (OSError, ValueError):
            late = None
        if late and late.get("spin_cpu_ns"):
            # --spin: the simulator's CPU spent waiting for its next tick
            # (polling and yielding) is not work per message; it is shown
            # apart (e2e.cpu_spin.sim) and left out of cpu_per_event.sim.
            cpu["sim_spin"] = late["spin_cpu_ns"] / 1e9
            cpu["sim"] = max(0.0, cpu["sim"] - cpu["sim_spin"])
        st = d["stats"] if d else {}
        stalls = sum(f.get("ring_full_stalls", 0) for f in d["feeds"]) if d else -1
        return {"fig": fig, "stalls": stalls, "events": st.get("events_received", 0),
                "rate": fig.get("e2e.rate.%s" % tag, 0.0), "feeds": d["feeds"] if d else [],
                "latency": d.get("latency") if d else None,
                "f2t": d.get("frame_to_table") if d else None, "cpu": cpu, "sys": sys_cpu, "ctxsw": sw, "stages": stages,
                "others": others, "late": late}
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["rm", "-rf", tmp, shm])


def bench(tag_rate, total, venues, tag_feeds, seconds, extra_env=None, nice=None, sim_nice=None,
          pinned=False, wait=None, engine_rt=None, shared=False):
    name = "%s.%s" % (tag_rate, tag_feeds)
    r = run(venues, total, seconds, name, extra_env, nice, sim_nice, pinned, wait, engine_rt, shared=shared)
    for q in ("p50", "p99", "p999", "max"):
        k = "e2e.stage.total.%s.%s" % (q, name)
        if k in r["fig"]:
            print("BENCH e2e.latency.%s.%s %d ns" % (q, name, r["fig"][k]))
    print("BENCH e2e.rate.%s.offered %.4g ev/s" % (name, total))
    f2t = r["f2t"]
    if f2t and f2t["count"]:
        # The engine's own frame -> table histogram over the same events
        # (feed socket readable -> published; bucket upper bounds): what
        # an operator sees in ose-dump, next to the journal's figure
        # above, which also holds the simulator's send and the loopback.
        for q in ("p50", "p99", "p999"):
            print("BENCH e2e.engine_f2t.%s.%s %d ns" % (q, name, f2t[q + "_ns"]))
        print("BENCH e2e.engine_f2t.max.%s %d ns" % (name, f2t["max_ns"]))
    late = r["late"]
    if late:
        # Coordinated omission: how late the simulator made each message
        # against its schedule (burst every 100 us).  A stall of the
        # simulator (its core taken) is not in the latency above, which
        # starts at the send stamp; it is here.
        for q in ("p50", "p99", "p999", "max"):
            print("BENCH e2e.sim_late.%s.%s %d ns" % (q, name, late[q + "_ns"]))
        print("# %s: simulator sends late against its schedule: %d over 100 us, %d over 1 ms, of %d"
              % (name, late["over_100us"], late["over_1ms"], late["messages"]))
    sys.stdout.write(r["stages"])
    if r["events"]:
        # CPU per event of each process over the run: which one runs out of
        # core first (the next bottleneck) when the machine is shared.
        for k, v in sorted(r["cpu"].items()):
            if k == "sim_spin":
                print("BENCH e2e.cpu_spin.sim.%s %.0f ns" % (name, v * 1e9 / r["events"]))
                continue
            print("BENCH e2e.cpu_per_event.%s.%s %.0f ns" % (k, name, v * 1e9 / r["events"]))
        # The kernel's part (system time: sends, receives, wakeups, the
        # loopback TCP path run in the sender's context).
        print("# %s kernel (system) CPU per event: %s" % (name, ", ".join(
            "%s %.0f ns" % (k, v * 1e9 / r["events"]) for k, v in sorted(r["sys"].items()))))
        # Context switches (voluntary: went to sleep; involuntary:
        # preempted) per 1000 events: on a VM each costs microseconds.
        print("# %s context switches per 1000 events, voluntary/involuntary: %s" % (name, ", ".join(
            "%s %.0f/%.0f" % (k, v[0] * 1e3 / r["events"], v[1] * 1e3 / r["events"])
            for k, v in sorted(r["ctxsw"].items()))))
    # How much each wakeup of a feed carries: messages per decrypted read
    # (one TLS record or more), over all feeds.
    msgs = sum(f.get("messages", 0) for f in r["feeds"])
    reads = sum(f.get("latency", {}).get("decrypt", {}).get("count", 0) for f in r["feeds"])
    if reads:
        print("# %s: feeds read %d messages in %d decrypted reads (%.1f per read)" % (name, msgs, reads,
                                                                                     msgs / reads))
    print("# %s: %d events received by the engine in ~%ds, ring-full stalls %d, load average %s, "
          "other processes %.2f cores" % (name, r["events"], seconds, r["stalls"],
                                          " ".join(open("/proc/loadavg").read().split()[:3]), r["others"]),
          flush=True)
    return r


def main():
    for b in BIN.values():
        if not os.access(b, os.X_OK):
            print("skip: %s not built" % b)
            return 77
    secs = 2 if QUICK else 3
    only = None
    for i, a in enumerate(sys.argv):
        if a == "--seconds":
            secs = float(sys.argv[i + 1])
        if a == "--only":
            only = set(sys.argv[i + 1].split(","))
    results = {}
    for tag_rate, total in RATES:
        for tag_feeds, venues in FEEDS:
            if only is None or "%s.%s" % (tag_rate, tag_feeds) in only:
                results[(tag_rate, tag_feeds)] = bench(tag_rate, total, venues, tag_feeds, secs)
    # The cheapest dialect (MEXC protobuf) at 100k: how much of the 1-feed
    # figure is the simulator formatting Binance JSON on a shared core.
    if only is None or "100k.1feed.mexc" in only:
        bench("100k", 100000, ["mexc"], "1feed.mexc", secs)
    # The engine's automatic wait on this shared box next to OSE_WAIT=yield
    # (no sleep tier).
    if only is None or "10k.1feed.yield" in only:
        bench("10k", 10000, ["binance"], "1feed.yield", secs, {"OSE_WAIT": "yield"})
    # The floor's case with the pipeline's priority raised (needs root or
    # CAP_SYS_NICE): the share of the cores, not the code, on a busy box.
    if only is None or "100k.1feed.nice10" in only:
        try:
            bench("100k", 100000, ["binance"], "1feed.nice10", secs, nice=-10, sim_nice=-10)
        except PermissionError:
            print("# 100k.1feed.nice10: skipped, no privilege to raise priority")
    # The layout an operator gives a small box: the engine pinned to the
    # last core, spinning; the simulator and the feeds share the rest, so
    # a hand-off between them is a wakeup on the same core (cheap) and the
    # feed -> engine hand-off needs no wakeup at all.  Cross-core wakeups
    # are what dominate the automatic layout's tail on a VM.
    if os.cpu_count() >= 2:
        for tag_rate, total in RATES:
            for tag_feeds, venues in FEEDS:
                name = "%s.pinned" % tag_feeds
                if only is None or "%s.%s" % (tag_rate, name) in only:
                    bench(tag_rate, total, venues, name, secs, pinned=True)
    # Six feeds in the pinned layout leave one core for the simulator and
    # six feeds (about 0.8 of a core at 100k/s here: e2e.cpu_per_event).
    # The alternative: the engine's hot thread keeps its core but sleeps
    # on the rings' doorbell when idle (wait = auto) and the feeds and the
    # simulator may use that core too.  Measured (docs/operations.md
    # section 9): better under other sessions' load, worse on a quiet
    # machine, where a core that can idle makes sender -> feed wakeups
    # cross-vCPU wakeups (wire stage p99 in ms).
    if os.cpu_count() >= 2 and (only is None or "100k.6feeds.pinned.shared" in only):
        bench("100k", 100000, ALL, "6feeds.pinned.shared", secs, pinned=True, wait="auto", shared=True)
    # The floor's case in the pinned layout with the pipeline's priority
    # raised: on a box shared with other sessions' CPU-bound work, what
    # the layout does when those sessions cannot take its cores.
    if os.cpu_count() >= 2 and (only is None or "100k.1feed.pinned.nice10" in only):
        try:
            bench("100k", 100000, ["binance"], "1feed.pinned.nice10", secs, nice=-10, sim_nice=-10,
                  pinned=True)
        except PermissionError:
            print("# 100k.1feed.pinned.nice10: skipped, no privilege to raise priority")
    # The floor's case with the engine's hot thread protected from its
    # core's neighbours (docs/operations.md section 5): it sleeps on the
    # rings' doorbell when idle (wait = auto) and runs SCHED_FIFO, so a
    # feed's commit wakes it and it preempts whatever runs on its core
    # (kdamond, another session's build) at once instead of waiting out
    # that task's 4 ms tick.  It never spins, so it starves nothing.
    if os.cpu_count() >= 2 and (only is None or "100k.1feed.pinned.rt" in only):
        try:
            bench("100k", 100000, ["binance"], "1feed.pinned.rt", secs, pinned=True, wait="auto",
                  engine_rt=10)
        except PermissionError:
            print("# 100k.1feed.pinned.rt: skipped, no privilege for SCHED_FIFO")
    r = results.get(("100k", "1feed"))
    for f in r["feeds"] if r else []:
        for stage in ("decrypt", "parse", "ring", "total"):
            l = f.get("latency", {}).get(stage)
            if l and l.get("count"):
                print("BENCH e2e.feedhist.%s.p50.100k.1feed %d ns" % (stage, l["p50_ns"]))
                print("BENCH e2e.feedhist.%s.p99.100k.1feed %d ns" % (stage, l["p99_ns"]))
    if r and r["latency"]:
        print("BENCH e2e.stage.apply.p50.100k.1feed %d ns" % r["latency"]["p50_ns"])
        print("BENCH e2e.stage.apply.p99.100k.1feed %d ns" % r["latency"]["p99_ns"])
    # Throughput: the highest rate the engine applied with no ring-full stall.
    for tag_feeds in ("1feed", "6feeds"):
        ok = [results[(t, tag_feeds)]["rate"] for t in ("10k", "100k")
              if (t, tag_feeds) in results and results[(t, tag_feeds)]["stalls"] == 0]
        if ok:
            print("BENCH e2e.throughput.%s %.4g ev/s" % (tag_feeds, max(ok)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
