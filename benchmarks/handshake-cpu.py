"""Where a server's CPU goes per full TLS 1.3 handshake: plain Netty SslHandler vs netty-tls.

    python3 benchmarks/handshake-cpu.py [--rounds 4] [--seconds 8] [--warmup 50] [--profile DIR]

Starts the load harness's two JVM servers (LoadServer plain / netty-tls, one event loop each,
127.0.0.1, the same ECDSA P-256 certificate, no resumption), warms both with wrk, then
alternates wrk runs (new connection per request, -c32) between them and reports, per round,
the handshakes per server CPU-second as run-load.sh does, and besides it the CPU split by
thread: the event loop (the handshakes themselves), the JIT compiler threads and the rest, in
microseconds per handshake. On a busy machine the compiler threads keep running long after
warm-up and are most of the difference between two runs; the event loop's share is the figure
that compares the handlers. With --profile DIR it attaches async-profiler (the
tools.profiler:async-profiler jar, fetched by Maven into ~/.m2) to both servers for the measured
rounds, with native frames, and writes DIR/plain.collapsed and DIR/netty-tls.collapsed.
Needs benchmarks/target/benchmarks.jar (run-load.sh or run-jmh.sh builds it) and wrk.
Run it holding the shared benchmark lock on a shared machine.
"""
import argparse
import collections
import glob
import os
import statistics
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402  (the harness's process, port and wrk helpers)


def thread_cpu(pid):
    """CPU seconds of a JVM's threads, by kind: event loop, JIT compiler, other."""
    split = collections.Counter()
    for path in glob.glob(f"/proc/{pid}/task/*/stat"):
        try:
            with open(path) as f:
                data = f.read()
        except FileNotFoundError:
            continue
        name = data[data.index("(") + 1:data.rindex(")")]
        fields = data.rsplit(")", 1)[1].split()
        # Linux keeps 15 characters of a thread's name: "multiThreadIoEventLoopGroup-2-1" is "multiThreadIoEv".
        kind = "loop" if name.startswith("multiThreadIoEv") else "jit" if "Compiler" in name else "other"
        split[kind] += (int(fields[11]) + int(fields[12])) / load.TICKS
    return split


def async_profiler(work):
    jars = sorted(glob.glob(os.path.expanduser("~/.m2/repository/tools/profiler/async-profiler/*/async-profiler-*.jar")))
    if not jars:
        raise SystemExit("async-profiler not found: mvn dependency:get -Dartifact=tools.profiler:async-profiler:4.1")
    with zipfile.ZipFile(jars[-1]) as z:
        z.extract("linux-x64/libasyncProfiler.so", work)
    attach = os.path.join(work, "Attach.java")
    with open(attach, "w") as f:
        f.write("public class Attach { public static void main(String[] a) throws Exception {\n"
                "  var vm = com.sun.tools.attach.VirtualMachine.attach(a[0]); vm.loadAgentPath(a[1], a[2]); vm.detach(); } }\n")
    lib = os.path.join(work, "linux-x64/libasyncProfiler.so")
    return lambda pid, command: subprocess.run(["java", attach, str(pid), lib, command], check=True, capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--jar", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "target/benchmarks.jar"))
    ap.add_argument("--profile")
    args = ap.parse_args()
    h = load.Harness(args)
    try:
        java = ["java", "-Xms1g", "-Xmx1g", "-Dio.netty.availableProcessors=1",
                "-Djdk.tls.server.enableSessionTicketExtension=false", "-Dio.netty.native.deleteLibAfterLoading=false"]
        main_class = "org.nettytls.benchmarks.load.LoadServer"
        subprocess.run(java + ["-cp", args.jar, main_class, "pki", h.work + "/pki"], check=True, capture_output=True)
        cert, key = h.work + "/pki/server.pem", h.work + "/pki/server.key"
        servers = {}
        for name in ["plain", "netty-tls"]:
            port = load.free_port()
            p = h.start(name, java + ["-cp", args.jar, main_class, name, str(port), cert, key], "listening on")
            servers[name] = {"pids": (lambda p=p: [p.pid]), "pid": p.pid, "url": f"https://localhost:{port}/"}
        for s in servers.values():
            h.wrk(s["url"], 32, args.warmup, True)
        profiler = async_profiler(h.work) if args.profile else None
        if profiler:
            os.makedirs(args.profile, exist_ok=True)
            for s in servers.values():
                profiler(s["pid"], "start,event=cpu,interval=1ms,threads")
        results = {n: [] for n in servers}
        for r in range(args.rounds):
            for name in (list(servers) if r % 2 == 0 else list(servers)[::-1]):
                s = servers[name]
                before = thread_cpu(s["pid"])
                m = h.measure(s, s["url"], 32, args.seconds, True)
                after = thread_cpu(s["pid"])
                per_hs = {k: (after[k] - before[k]) * 1e6 / max(1, m["requests"]) for k in ("loop", "jit", "other")}
                m.update(per_hs)
                results[name].append(m)
                print(f"round {r + 1} {name:9s}: {m['rate']:6.0f} hs/s, {m['per_cpu']:6.0f} per server CPU-s; "
                      f"CPU per handshake: event loop {per_hs['loop']:5.0f} us, JIT {per_hs['jit']:5.0f} us, "
                      f"other {per_hs['other']:4.0f} us; wrk CPU {m['client_cpu'] / m['wall']:.2f}; "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
        if profiler:
            for name, s in servers.items():
                profiler(s["pid"], f"stop,file={os.path.abspath(args.profile)}/{name}.collapsed,collapsed")
        med = lambda name, k: statistics.median(x[k] for x in results[name])
        for name in servers:
            print(f"{name:9s} median: {med(name, 'per_cpu'):6.0f} hs per server CPU-s, event loop {med(name, 'loop'):5.0f} "
                  f"us/hs, JIT {med(name, 'jit'):5.0f} us/hs")
        ratios = [b["per_cpu"] / a["per_cpu"] if a["per_cpu"] else 0.0 for a, b in zip(results["plain"], results["netty-tls"])]
        loops = [a["loop"] / b["loop"] if b["loop"] else 0.0 for a, b in zip(results["plain"], results["netty-tls"])]
        print("netty-tls / plain per server CPU-s: median %.2f (rounds %s); event loop only: median %.2f (rounds %s)" % (
            statistics.median(ratios), " ".join("%.2f" % x for x in ratios),
            statistics.median(loops), " ".join("%.2f" % x for x in loops)))
    finally:
        h.stop_all()


if __name__ == "__main__":
    main()
