"""The load harness behind run-load.sh (its method: benchmarks/README.md).

Pairs (a) plain Netty SslHandler / (b) netty-tls (SniCertSelector over 100 names, OCSP stapling,
and the full client stack) through the harness's own Java client (LoadClient), with the client's
checks costed one by one; and the relays `serve --upstream` (on the chosen transport, and on
the other native transport beside it) / a minimal plain-Netty relay / nginx stream / HAProxy through wrk. Alternates
the sides of every case from round to round, prints per-round values, medians and ratios per
server CPU-second (relays: against nginx and against HAProxy), raw rates, server and client CPU
and the load average; adds the idle-connection memory of the pair, syscalls per relayed
connection (perf), the share of the crypto limit (`openssl speed`), and with --profile an
async-profiler recording of every JVM server; writes a dated Markdown report and an SVG chart.

Everything binds to 127.0.0.1, every measurement is bounded in time, and every process started
here is stopped by its pid at the end (also on errors and Ctrl-C; the JVMs also stop when their
stdin closes).
"""
import argparse
import datetime
import os
import platform
import queue
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the scripts
import load_chart  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1 << 20
PAIR = ["plain", "netty-tls"]
SERVE, MINIMAL, NGINX, HAPROXY = "serve --upstream", "minimal Netty relay", "nginx stream", "HAProxy"
PEERS = [NGINX, HAPROXY]
ALL_CASES = ["crypto", "hs", "resume", "bulk1", "bulk64", "client", "memory", "relay", "syscalls"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids):
    """utime+stime of the processes (a JVM is one process: all its threads)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / TICKS


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def fields(line):
    """`result k=v k=v` -> dict."""
    return dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)


class Controlled:
    """A process driven by one command per stdin line, answered by lines on stdout."""

    def __init__(self, name, proc, log):
        self.name, self.proc, self.lines = name, proc, queue.Queue()
        def pump():
            for line in proc.stdout:
                log.write(f"[{name}] {line}")
                log.flush()
                self.lines.put(line.rstrip("\n"))
        threading.Thread(target=pump, daemon=True).start()

    def wait_for(self, prefix, timeout):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0 or self.proc.poll() is not None and self.lines.empty():
                raise SystemExit(f"{self.name}: no '{prefix}' line within {timeout:.0f} s (see the harness log)")
            try:
                line = self.lines.get(timeout=min(left, 1))
            except queue.Empty:
                continue
            if line.startswith(prefix) or line.startswith("error"):
                return line

    def ask(self, command, prefix="result", timeout=120):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.wait_for(prefix, timeout)
        if line.startswith("error"):
            raise SystemExit(f"{self.name}: '{command}' failed: {line}")
        return line


class Harness:
    def __init__(self, args):
        self.args = args
        self.procs = []
        self.work = tempfile.mkdtemp(prefix="netty-tls-load.")
        self.log = open(os.path.join(self.work, "harness.log"), "w")
        self.lines = []
        self.server_cpus, self.client_cpus = [], []  # taskset prefixes (--pin)

    def say(self, s=""):
        print(s, flush=True)
        self.lines.append(s)

    def start(self, name, cmd, ready=None, timeout=60):
        out = open(os.path.join(self.work, name.replace(" ", "-") + ".out"), "w+")
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(p)
        deadline = time.time() + timeout
        while ready is not None:
            out.seek(0)
            if ready in out.read():
                break
            if p.poll() is not None or time.time() > deadline:
                out.seek(0)
                raise SystemExit(f"{name} did not start: {out.read()[-2000:]}")
            time.sleep(0.2)
        return p

    def start_controlled(self, name, cmd, ready, timeout=60):
        err = open(os.path.join(self.work, name.replace(" ", "-") + ".err"), "w")
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.PIPE, text=True,
                             start_new_session=True)
        self.procs.append(p)
        c = Controlled(name, p, self.log)
        line = c.wait_for(ready, timeout)
        if line.startswith("error"):
            raise SystemExit(f"{name} did not start: {line}")
        return c

    def stop_all(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def measure(server_pids, client_pids, work):
    """Runs work() and returns its answer with wall time, server and client CPU over the same window,
    and the servers' JIT compiler CPU within it (0 for native servers)."""
    s0, c0, j0, t0 = cpu_seconds(server_pids), cpu_seconds(client_pids), jit_seconds(server_pids), time.time()
    answer, extra_client_cpu = work()
    wall = time.time() - t0
    return (answer, wall, cpu_seconds(server_pids) - s0, cpu_seconds(client_pids) - c0 + extra_client_cpu,
            jit_seconds(server_pids) - j0)


def jit_seconds(pids):
    """CPU seconds of the JIT compiler threads of the processes (a JVM still compiling is not warm)."""
    total = 0
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except FileNotFoundError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{pid}/task/{t}/stat") as f:
                    data = f.read()
            except FileNotFoundError:
                continue
            if "Compiler" in data[data.index("(") + 1:data.rindex(")")]:
                fields = data.rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
    return total / TICKS


def wrk(h, url, conns, seconds, close):
    cmd = h.client_cpus + ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s"]
    if close:
        cmd += ["-H", "Connection: close"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 30).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    h.log.write(" ".join(cmd + [url]) + "\n" + out + "\n")
    h.log.flush()
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if not m:
        raise SystemExit("wrk printed no result:\n" + out)
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"count": int(m.group(1)), "failed": errors + (int(non2xx.group(1)) if non2xx else 0)}, client_cpu


def openssl_speed():
    """One core's crypto limit as OpenSSL 3 measures it (per CPU-second of user time)."""
    ec = subprocess.run(["openssl", "speed", "-seconds", "3", "ecdsap256", "ecdhx25519"],
                        capture_output=True, text=True, timeout=120).stdout
    aes = subprocess.run(["openssl", "speed", "-seconds", "3", "-bytes", "16384", "-evp", "aes-128-gcm"],
                         capture_output=True, text=True, timeout=120).stdout
    sign = float(re.search(r"ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)", ec).group(1))
    x25519 = float(re.search(r"ecdh \(X25519\)\s+\S+\s+([\d.]+)", ec).group(1))
    gcm = float(re.search(r"AES-128-GCM\s+([\d.]+)k", aes).group(1)) * 1000 / 1e6
    return {"sign": sign, "x25519": x25519, "gcm_mb": gcm, "hs_limit": 1 / (1 / sign + 2 / x25519)}


def openssl_view(port, tls12=False, work=None):
    """What openssl s_client negotiates on a port, whether it gets a staple, and whether a second
    connection offering the first one's session resumes."""
    base = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-tls1_2" if tls12 else "-tls1_3", "-groups", "X25519:P-256"]
    request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
    sess = os.path.join(work, f"sess-{port}.pem")
    out = subprocess.run(base + ["-status", "-sess_out", sess], input=request, capture_output=True, text=True,
                         timeout=20).stdout
    proto = re.search(r"New, (\S+), Cipher is (\S+)", out)
    key = re.search(r"Server Temp Key: ([^\n]+)", out)
    sig = re.search(r"Peer signature type: (\S+)", out)
    staple = "OCSP staple: good" if "Cert Status: good" in out else "no staple"
    view = ", ".join(x for x in [proto and proto.group(1), proto and proto.group(2), key and key.group(1),
                                 sig and sig.group(1), staple] if x)
    again = subprocess.run(base + ["-sess_in", sess], input=request, capture_output=True, text=True, timeout=20).stdout \
        if os.path.exists(sess) else ""
    return view, "Reused," in again


class Results:
    def __init__(self):
        self.rows = {}   # (case, side) -> [measurement]

    def add(self, case, side, m):
        self.rows.setdefault((case, side), []).append(m)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=30, help="seconds of handshakes per JVM server before the rounds")
    ap.add_argument("--conns", type=int, default=32, help="connections in flight in the handshake cases")
    ap.add_argument("--memory-conns", type=int, default=10000)
    ap.add_argument("--memory-seconds", type=int, default=150, help="time limit for opening the idle connections, per side")
    ap.add_argument("--client-loops", type=int, default=2, help="event loops of the Java load client")
    ap.add_argument("--cases", default=",".join(ALL_CASES), help="comma list of: " + ",".join(ALL_CASES))
    ap.add_argument("--transport", default="auto", choices=["auto", "io_uring", "epoll", "nio"],
                    help="the JVMs' transport (auto: io_uring, else epoll, else NIO; serve --upstream also runs on the"
                         " other native transport beside it: epoll beside io_uring, else io_uring)")
    ap.add_argument("--pin", action=argparse.BooleanOptionalAction, default=None,
                    help="servers on CPU 0, load generators and the backend on the others (default: on with 2+ CPUs)")
    ap.add_argument("--profile", action="store_true",
                    help="after the rounds, one more round per JVM server under async-profiler (report: where its CPU went)")
    ap.add_argument("--syscall-seconds", type=int, default=5, help="seconds of load per side counted by the syscalls case")
    ap.add_argument("--jar", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--results", required=True, help="directory of the dated reports")
    args = ap.parse_args()
    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in args.cases if c not in ALL_CASES]
    if unknown:
        raise SystemExit(f"unknown case(s) {unknown}; choose from {ALL_CASES}")
    h = Harness(args)
    try:
        run(h, args)
    finally:
        h.stop_all()
        print(f"(harness log and server output in {h.work})")


# A side of a pair: (label, server, client stack). The third side of the handshake cases, the
# netty-tls server driven by the plain client, separates the server's cost from the client's when
# the full client stack, not the server, limits the rate.
SIDES = [("plain", "plain", "plain"), ("netty-tls", "netty-tls", "netty-tls")]
SERVER_ONLY = ("netty-tls server, plain client", "netty-tls", "plain")
# The client's checks added one at a time, all against the netty-tls server: what each costs the client.
CLIENT_SIDES = [("client: plain SslHandler", "netty-tls", "plain"),
                ("client: chain", "netty-tls", "netty-tls-chain"),
                ("client: chain + scheme", "netty-tls", "netty-tls-scheme"),
                ("client: chain + scheme + OCSP staple", "netty-tls", "netty-tls")]
PAIR_CASES = {
    # name: (title, client command, connections, unit, per-count scale, sides)
    "hs": ("full TLS 1.3 handshakes (ECDSA P-256, X25519), new connection per request", "hs", None, "hs/s", 1,
           SIDES + [SERVER_ONLY]),
    "resume": ("TLS 1.2 resumptions (session cache on), new connection per request", "resume", None, "resumptions/s", 1,
               SIDES + [SERVER_ONLY]),
    "bulk1": ("bulk, 16 KiB records, 1 connection", "bulk", 1, "MB/s", 1e-6, SIDES),
    "bulk64": ("bulk, 16 KiB records, 64 connections", "bulk", 64, "MB/s", 1e-6, SIDES),
    "client": ("the client's checks one by one: full TLS 1.3 handshakes against the netty-tls server", "hs", None, "hs/s",
               1, CLIENT_SIDES),
}
RELAY_CASES = {
    "relay-hs": ("relay to a plain backend: full TLS 1.3 handshakes (wrk -c32, Connection: close)", "/", 32, True,
                 "hs/s", 1),
    "relay-bulk": ("relay to a plain backend: bulk 1 MiB responses (wrk -c8)", "/1m", 8, False, "MB/s", MIB / 1e6),
}
# Syscalls counted per relayed connection / per MiB (perf tracepoints, whichever this kernel has).
SYSCALLS = ["accept", "accept4", "connect", "close", "shutdown", "socket", "read", "write", "readv", "writev", "recvfrom",
            "sendto", "recvmsg", "sendmsg", "epoll_wait", "epoll_pwait", "epoll_ctl", "io_uring_enter", "setsockopt",
            "getsockopt", "getsockname", "getpeername", "futex", "fcntl", "ioctl", "poll", "ppoll", "mprotect", "madvise",
            "sched_yield", "nanosleep", "clock_nanosleep", "mmap", "munmap", "splice", "pipe2", "epoll_pwait2",
            "timerfd_settime", "eventfd2", "rt_sigreturn", "sched_getaffinity", "gettid", "getrusage", "sysinfo",
            "restart_syscall", "clock_gettime", "openat", "stat", "newfstatat", "lseek", "brk"]


def cli_has(cli, command, option):
    out = subprocess.run(["java", "-jar", cli, command, "--help"], capture_output=True, text=True, timeout=60)
    return option in out.stdout + out.stderr


def wait_port(port, proc, name, timeout=30):
    deadline = time.time() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f"{name} does not accept connections on {port}")
            time.sleep(0.2)


def start_relays(h, args, java, main_class, cert, key, cli_transport):
    work = h.work
    ports = {n: free_port() for n in ["backend", "serve", "serve-beside", "minimal", "nginx", "haproxy"]}
    # The backend is load, not the server measured: it runs beside the load generator.
    b = h.start_controlled("backend", h.client_cpus + java + main_class("LoadServer") + ["backend", str(ports["backend"])],
                           "listening on")
    relay = {}
    serve = ["-jar", args.cli, "serve", "--listen", None, "--cert", f"default={cert},{key}",
             "--upstream", f"127.0.0.1:{ports['backend']}"]
    def start_serve(label, port_name, transport):
        cmd = list(serve)
        cmd[cmd.index(None)] = f"127.0.0.1:{ports[port_name]}"
        if transport:
            cmd += ["--transport", transport]
        p = h.start(port_name, h.server_cpus + java + cmd, "listening on")
        out = open(os.path.join(work, port_name + ".out")).read()
        m = re.search(r"transport: (\S+)", out)
        relay[label] = {"pids": lambda p=p: [p.pid], "port": ports[port_name], "jvm": True,
                        "transport": m.group(1) if m else "?"}

    start_serve(SERVE, "serve", args.transport if cli_transport else None)
    if cli_transport:
        # The other native transport measured beside the chosen one: epoll beside io_uring, else io_uring.
        beside = "epoll" if relay[SERVE]["transport"] == "io_uring" else "io_uring"
        start_serve(SERVE + ", " + beside, "serve-beside", beside)
    m = h.start_controlled("minimal relay", h.server_cpus + java + main_class("LoadServer")
                           + ["relay", str(ports["minimal"]), work + "/pki", str(ports["backend"])], "listening on")
    relay[MINIMAL] = {"pids": lambda m=m: [m.proc.pid], "port": ports["minimal"], "jvm": True}
    conf = f"""
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
daemon off;
{'user root;' if os.geteuid() == 0 else ''}
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 8192; }}
stream {{
    server {{
        listen 127.0.0.1:{ports['nginx']} ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ecdh_curve X25519:prime256v1;
        ssl_session_cache off;
        ssl_session_tickets off;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        proxy_pass 127.0.0.1:{ports['backend']};
    }}
}}
"""
    with open(work + "/nginx.conf", "w") as f:
        f.write(conf)
    ng = h.start("nginx", h.server_cpus + ["nginx", "-p", work, "-c", work + "/nginx.conf", "-e", work + "/nginx-error.log"])
    deadline = time.time() + 20
    while not children(ng.pid):
        if ng.poll() is not None or time.time() > deadline:
            raise SystemExit("nginx did not start: " + open(work + "/nginx.out").read()
                             + open(work + "/nginx-error.log").read())
        time.sleep(0.2)
    # taskset execs nginx, so ng.pid is nginx's master; its worker is the child.
    relay[NGINX] = {"pids": lambda: [ng.pid] + children(ng.pid), "port": ports["nginx"], "jvm": False}
    with open(work + "/haproxy.pem", "w") as f:
        f.write(open(cert).read() + open(key).read())
    with open(work + "/haproxy.cfg", "w") as f:
        f.write(f"""
global
    nbthread 1
    maxconn {max(1000, (resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 100) // 2 - 50)}
    tune.ssl.cachesize 0
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
    ssl-default-bind-curves X25519:P-256
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend tls
    bind 127.0.0.1:{ports['haproxy']} ssl crt {work}/haproxy.pem
    default_backend plain
backend plain
    server backend 127.0.0.1:{ports['backend']}
""")
    hp = h.start("haproxy", h.server_cpus + ["haproxy", "-db", "-f", work + "/haproxy.cfg"])
    wait_port(ports["haproxy"], hp, "HAProxy")
    relay[HAPROXY] = {"pids": lambda: [hp.pid] + children(hp.pid), "port": ports["haproxy"], "jvm": False}
    return relay, b


def perf_events():
    listed = subprocess.run(["perf", "list", "syscalls:sys_enter_*", "io_uring:io_uring_submit_req"],
                            capture_output=True, text=True).stdout
    return [f"syscalls:sys_enter_{n}" for n in SYSCALLS if f"syscalls:sys_enter_{n} " in listed] \
        + (["io_uring:io_uring_submit_req"] if "io_uring:io_uring_submit_req" in listed else []) + ["raw_syscalls:sys_enter"]


# JVM threads that are not the application's: their syscalls depend on the JIT's and the collector's progress.
JVM_INTERNAL = re.compile(r"Compiler|GC|G1|^VM |Signal Disp|Finalizer|Reference Han|Common-Cleaner|Service Thread|Sweeper"
                          r"|Notification|Attach List|process reaper|^java$")


def application_threads(pid):
    """A JVM's threads that are not the JIT's, the collector's or the VM's own (event loops, log writer, main)."""
    tids = []
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{t}/comm").read().strip()
        except FileNotFoundError:
            continue
        if not JVM_INTERNAL.search(name):
            tids.append(t)
    return tids


def count_syscalls(h, pids, events, seconds, load, jvm=False):
    """perf stat on the processes (all their threads; a JVM's application threads only) while load() runs;
    returns {event: count} and load()'s answer."""
    out = os.path.join(h.work, "perf.out")
    target = ["-t", ",".join(t for pid in pids for t in application_threads(pid))] if jvm \
        else ["-p", ",".join(map(str, pids))]
    p = subprocess.Popen(["perf", "stat", "-x", ",", "-o", out, "-e", ",".join(events)] + target
                         + ["--", "sleep", str(seconds + 1)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # perf attached
    answer = load()
    p.wait(seconds + 30)
    counts = {}
    for line in open(out):
        f = line.strip().split(",")
        if len(f) > 2 and f[0].replace(".", "").isdigit():
            counts[f[2]] = counts.get(f[2], 0) + float(f[0])
    return counts, answer


def perf_missing(h, section):
    """Whether perf cannot run here (it needs the binary and root); if so the report says the section was skipped."""
    if shutil_which("perf") is None or os.geteuid() != 0:
        h.say(f"### {section}: skipped (needs perf and root)")
        h.say()
        return True
    return False


def syscalls_case(h, relay, args):
    say = h.say
    if perf_missing(h, "syscalls per relayed connection"):
        return
    events = perf_events()
    per = {}
    for name, s in relay.items():
        for case, path, conns, close in [("hs", "/", 32, True), ("bulk", "/1m", 8, False)]:
            counts, (answer, _) = count_syscalls(h, s["pids"](), events, args.syscall_seconds, lambda: wrk(
                h, f"https://localhost:{s['port']}{path}", conns, args.syscall_seconds, close), jvm=s["jvm"])
            per[(name, case)] = {k: v / max(1, answer["count"]) for k, v in counts.items()}
    for case, title in [("hs", "per relayed connection (full TLS 1.3 handshake, one request, `Connection: close`)"),
                        ("bulk", "per relayed 1 MiB response (keep-alive)")]:
        say(f"### syscalls {title}")
        say()
        say("`perf stat -e syscalls:sys_enter_*` on the server's process during "
            f"{args.syscall_seconds} s of wrk, divided by the responses: every thread of nginx and HAProxy, a JVM's"
            " application threads (event loops, log writer; not the JIT compiler's, the collector's or the VM's own, whose"
            " calls depend on how far they got); io_uring work is counted as the operations submitted to the ring,"
            " which are not syscalls.")
        say()
        names = list(relay)
        say("| syscall | " + " | ".join(names) + " |")
        say("|---|" + "---:|" * len(names))
        rows = [e for e in events if any(per[(n, case)].get(e, 0) >= 0.05 for n in names)]
        listed = [e for e in events if e.startswith("syscalls:")]
        for n in names:
            c = per[(n, case)]
            c["other"] = c.get("raw_syscalls:sys_enter", 0) - sum(c.get(e, 0) for e in listed)
        rows = rows[:-1] + ["other", rows[-1]] if rows and rows[-1] == "raw_syscalls:sys_enter" else rows
        for e in rows:
            label = "other syscalls" if e == "other" else "**all syscalls**" if e == "raw_syscalls:sys_enter" else "io_uring operations submitted" \
                if e.startswith("io_uring:") else "`" + e.split("sys_enter_")[1] + "`"
            say(f"| {label} | " + " | ".join(f"{per[(n, case)].get(e, 0):.2f}" for n in names) + " |")
        say()


LAYERS = ["kernel", "crypto", "TLS library", "libcrypto, unnamed", "JVM and Java", "libc", "program"]
# The relay targets of issue #19 (per server CPU-second against the better of nginx and HAProxy), for the bound line.
TARGETS = {"relay-hs": 1.5, "relay-bulk": 2.3}


def layer_of(dso, sym):
    """The layer of one perf sample: the kernel, named crypto (BoringSSL's, or OpenSSL's exported symbols), the rest
    of the TLS library (BoringSSL's TLS in tcnative, OpenSSL's libssl), libcrypto's unexported code (Debian strips it:
    mostly its AES-GCM and EC assembly, some of its provider machinery), the JVM and JIT-compiled Java, libc, and the
    program itself (nginx, HAProxy, Netty's JNI)."""
    if dso.startswith("[kernel") or sym.startswith("[k]"):
        return "kernel"
    name = sym.split("] ", 1)[-1]
    if CRYPTO_FRAME.search(name) and not name.startswith("0x"):
        return "crypto"
    if "libssl" in dso or "tcnative" in dso:
        return "TLS library"
    if "libcrypto" in dso:
        return "libcrypto, unnamed" if name.startswith("0x") else "TLS library"
    if "libjvm" in dso or "[JIT]" in dso or dso.startswith("perf-") or dso in ("[unknown]", "[vdso]"):
        return "JVM and Java"
    if dso.startswith("libc.") or dso.startswith("libc-") or dso.startswith("ld-linux"):
        return "libc"
    return "program"


def perf_layers(h, pids, seconds, load):
    """perf record (999 Hz, every thread of the processes) while load() runs; returns {layer: share} and load()'s
    answer."""
    data = os.path.join(h.work, "layers.data")
    p = subprocess.Popen(["perf", "record", "-q", "-F", "999", "-p", ",".join(map(str, pids)), "-o", data, "--",
                          "sleep", str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # perf attached
    answer = load()
    p.wait(seconds + 30)
    out = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "-q", "--sort", "dso,sym", "-t", "|"],
                         capture_output=True, text=True).stdout
    layers = dict.fromkeys(LAYERS, 0.0)
    for line in out.splitlines():
        f = [x.strip() for x in line.split("|")]
        if len(f) >= 3 and f[0].endswith("%"):
            layers[layer_of(f[1], f[2])] += float(f[0][:-1]) / 100
    return layers, answer


def layers_case(h, relay, args):
    """Every relay side's CPU per unit by layer (perf), and what the kernel alone allows against nginx and HAProxy."""
    say = h.say
    if perf_missing(h, "where every relay's CPU went, by layer"):
        return
    say("### where every relay's CPU went, by layer (perf at 999 Hz on every thread of the server, one extra round each)")
    say()
    say("µs of server CPU per unit (the round's CPU from `/proc`, split by the share of perf's samples in each layer). "
        "\"libcrypto, unnamed\" is the code Debian's OpenSSL does not export (mostly its AES-GCM and EC assembly); "
        "BoringSSL's crypto in tcnative has names and is under \"crypto\"; \"program\" is nginx's or HAProxy's own code, "
        "or Netty's JNI.")
    say()
    for case, (title, path, conns, close, unit, scale) in RELAY_CASES.items():
        unit_name = "connection" if case == "relay-hs" else "MiB"
        say(f"#### {title}")
        say()
        say(f"| side | µs per {unit_name} | " + " | ".join(LAYERS) + " |")
        say("|---|---:|" + "---:|" * len(LAYERS))
        per = {}
        for name, s in relay.items():
            pids = s["pids"]()
            cell = {}

            def load():
                answer, wall, cpu, ccpu, jit = measure(pids, [], lambda: wrk(
                    h, f"https://localhost:{s['port']}{path}", conns, args.seconds, close))
                cell.update(count=answer["count"], cpu=cpu)
                return answer

            layers, _ = perf_layers(h, pids, args.seconds, load)
            us = cell["cpu"] * 1e6 / max(1, cell["count"])
            per[name] = (us, layers)
            say(f"| {name} | {us:,.0f} | " + " | ".join(f"{us * layers[l]:,.0f}" for l in LAYERS) + " |")
        say()
        # BoringSSL's crypto per unit, as the JVM relays measured it: what any relay on it spends at the least.
        boring = min((us * layers["crypto"] for name, (us, layers) in per.items() if relay[name]["jvm"]), default=0)
        for peer in PEERS:
            if peer in per and per[peer][1]["kernel"] > 0:
                us, layers = per[peer]
                kernel = us * layers["kernel"]
                say(f"- {peer} spends {kernel:,.0f} of its {us:,.0f} µs per {unit_name} in the kernel: a relay doing the"
                    f" same kernel work and nothing else would reach at most {us / kernel:.2f}× {peer}; with BoringSSL's"
                    f" crypto too ({boring:,.0f} µs), at most {us / (kernel + boring):.2f}× (target: {TARGETS[case]}×).")
        say()


def shutil_which(tool):
    import shutil
    return shutil.which(tool)


def async_profiler(work):
    """A function (pid, command) that loads async-profiler into a running JVM, or None if it is not in ~/.m2."""
    import glob
    import zipfile
    jars = sorted(glob.glob(os.path.expanduser("~/.m2/repository/tools/profiler/async-profiler/*/async-profiler-*.jar")))
    if not jars:
        subprocess.run(["mvn", "-B", "-q", "dependency:get", "-Dtransitive=false",
                        "-Dartifact=tools.profiler:async-profiler:4.1"], capture_output=True)
        jars = sorted(glob.glob(os.path.expanduser("~/.m2/repository/tools/profiler/async-profiler/*/async-profiler-*.jar")))
    if not jars:
        return None
    with zipfile.ZipFile(jars[-1]) as z:
        z.extract("linux-x64/libasyncProfiler.so", work)
    attach = os.path.join(work, "Attach.java")
    with open(attach, "w") as f:
        f.write("public class Attach { public static void main(String[] a) throws Exception {\n"
                "  var vm = com.sun.tools.attach.VirtualMachine.attach(a[0]); vm.loadAgentPath(a[1], a[2]); vm.detach(); } }\n")
    lib = os.path.join(work, "linux-x64/libasyncProfiler.so")
    return lambda pid, command: subprocess.run(["java", attach, str(pid), lib, command], check=True, capture_output=True,
                                               timeout=60)


JAVA_FRAME = re.compile(r"^(Interpreter|[A-Za-z_$][\w$]*(/[\w$]+)+\.)")
CRYPTO_FRAME = re.compile(r"sha\d|sha512|sha256|curve25519|x25519|^fe4?_|fiat_|ecp_nistz|p256|aes|gcm|ghash|^bn_|ecdsa|"
                          r"^ec_|BCM_|chacha|poly1305|hkdf|hmac", re.I)


def profile_summary(path, count, unit):
    """Where a JVM's CPU samples went: by thread kind; then, of the event loops' samples (where every
    connection's work runs), by layer of the leaf frame, and their hottest leaf frames."""
    import collections
    threads, layers, leaves, total, loop = collections.Counter(), collections.Counter(), collections.Counter(), 0, 0
    for line in open(path):
        stack, _, n = line.rstrip("\n").rpartition(" ")
        if not n.isdigit():
            continue
        n = int(n)
        frames = stack.split(";")
        thread, leaf = frames[0], frames[-1]
        total += n
        kind = "event loop" if "EventLoop" in thread or "IoEventLoop" in thread else "JIT compiler" \
            if "Compiler" in thread else "GC" if "GC" in thread or "G1" in thread else "other"
        threads[kind] += n
        if kind != "event loop":
            continue
        loop += n
        layers["kernel" if leaf.endswith("_[k]") else "Java" if JAVA_FRAME.match(leaf) else "BoringSSL's crypto"
               if CRYPTO_FRAME.search(leaf) else "other native (BoringSSL's TLS, malloc, Netty's JNI, the JVM)"] += n
        leaves[leaf] += n
    if not total:
        return []
    pct = lambda c, t: ", ".join(f"{k} {100 * v / t:.0f}%" for k, v in c.most_common())
    lines = [f"{total:,} samples (1 ms of CPU each), {total * 1000 / max(1, count):,.0f} µs per {unit} in all threads,"
             f" {loop * 1000 / max(1, count):,.0f} µs on the event loop; threads: {pct(threads, total)}."
             + (f" Event loop leaf frames: {pct(layers, loop)}." if loop else ""), ""]
    if loop:
        lines += ["| hottest leaf frames on the event loop | share of its samples |", "|---|---:|"]
        lines += [f"| `{k[:110]}` | {100 * v / loop:.1f}% |" for k, v in leaves.most_common(15)]
    return lines


def run(h, args):
    work, say = h.work, h.say
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    low, high = (int(x) for x in open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    memory_conns = min(args.memory_conns, hard - 1000, high - low - 2000)
    cpus = os.cpu_count() or 1
    pin = args.pin if args.pin is not None else cpus >= 2
    if pin:
        h.server_cpus, h.client_cpus = ["taskset", "-c", "0"], ["taskset", "-c", "1" if cpus == 2 else f"1-{cpus - 1}"]
    # Heap fixed and touched up front, so that a growth of the resident set is memory outside the heap
    # (BoringSSL's SSL objects, direct buffers), not heap pages the collector touched for the first time.
    # The native libraries stay on disk so that a profile can name their functions.
    jvm = ["java", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", f"-Dnetty-tls.transport={args.transport}",
           "-Dio.netty.native.deleteLibAfterLoading=false"]
    java = jvm + ["-Dio.netty.availableProcessors=1",
                  "-Djdk.tls.server.enableSessionTicketExtension=false"]
    main_class = lambda name: ["-cp", args.jar, "org.nettytls.benchmarks.load." + name]
    ocsp_port = free_port()
    subprocess.run(java + main_class("LoadServer") + ["pki", work + "/pki", str(ocsp_port)], check=True, capture_output=True)
    pki, cert, key, ca = work + "/pki", work + "/pki/server.pem", work + "/pki/server.key", work + "/pki/ca.pem"
    cli_transport = cli_has(args.cli, "serve", "--transport")

    pair_cases = [c for c in PAIR_CASES if c in args.cases]
    need_pair = bool(pair_cases) or "memory" in args.cases
    servers, client = {}, None
    if need_pair:
        for name in PAIR:
            full, resume = free_port(), free_port()
            extra = [str(ocsp_port)] if name == "netty-tls" else []
            c = h.start_controlled(name, h.server_cpus + java + main_class("LoadServer")
                                   + [name, str(full), str(resume), pki] + extra, "listening on")
            servers[name] = {"pids": [c.proc.pid], "port": full, "resume_port": resume, "ctl": c}
        client = h.start_controlled("client", h.client_cpus + jvm + main_class("LoadClient")
                                    + [ca, str(args.client_loops)], "ready")
    relay = {}
    if "relay" in args.cases or "syscalls" in args.cases:
        relay, _ = start_relays(h, args, java, main_class, cert, key, cli_transport)

    started = datetime.datetime.now(datetime.timezone.utc)
    say(f"# netty-tls load harness, {started.isoformat(timespec='seconds')}")
    say()
    say("`benchmarks/run-load.sh " + " ".join(sys.argv[1 + sys.argv.index("--results") + 1:]) + "`; method: "
        "[benchmarks/README.md](../README.md)")
    say()
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    say(f"- machine: {cpus} cores, {cpu_model}, Linux {platform.release()}; load average at the start {loadavg()}")
    # The congestion control decides whether TCP paces with a timer per burst (BBR without the fq qdisc), which
    # changes the bulk figures of every server, and how much depends on how each one writes.
    sysctl = lambda k: (open("/proc/sys/net/" + k.replace(".", "/")).read().strip()
                        if os.path.exists("/proc/sys/net/" + k.replace(".", "/")) else "?")
    lo_qdisc = (subprocess.run(["tc", "qdisc", "show", "dev", "lo"], capture_output=True, text=True).stdout
                .split(" refcnt")[0].strip() if shutil_which("tc") else "") or "?"
    say(f"- TCP: congestion control {sysctl('ipv4.tcp_congestion_control')}, default qdisc {sysctl('core.default_qdisc')}"
        f" (loopback: {lo_qdisc})")
    versions = [subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0],
                subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()]
    if relay:
        versions += [subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip(),
                     subprocess.run(["haproxy", "-v"], capture_output=True, text=True).stdout.splitlines()[0],
                     subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]]
    say("- " + "; ".join(versions))
    transports = ", ".join(f"{n}: {s['transport']}" for n, s in relay.items() if "transport" in s)
    say(f"- every server: 1 event loop (nginx: 1 worker, HAProxy: nbthread 1), 127.0.0.1, one ECDSA P-256 certificate, groups X25519"
        f" then P-256 (P-256 only so that TLS 1.2 may use the ECDSA P-256 certificate); JVM transport {args.transport}"
        + (f" ({transports})" if transports else "") + f"; Java load client: {args.client_loops} event loops,"
        f" {args.conns} connections in flight for handshakes; {args.rounds} rounds x {args.seconds} s per case and side,"
        f" sides alternated (reversed every other round)")
    say("- " + ("CPUs pinned: servers on CPU 0, load generators and the plain backend on CPU " + h.client_cpus[-1]
                if pin else "CPUs not pinned"))
    say(f"- file descriptors: soft limit raised to {hard}; ephemeral ports {low}-{high}; idle connections: {memory_conns}")
    say()

    crypto = None
    if "crypto" in args.cases:
        crypto = openssl_speed()
        say(f"Crypto limit of one core (`openssl speed`, OpenSSL 3, CPU time): ECDSA P-256 {crypto['sign']:,.0f} signatures/s,"
            f" X25519 {crypto['x25519']:,.0f} operations/s, AES-128-GCM {crypto['gcm_mb']:,.0f} MB/s at 16 KiB;"
            f" a full TLS 1.3 ECDSA handshake on the server is one signature and two X25519 operations:"
            f" about **{crypto['hs_limit']:,.0f} handshakes per core-second**.")
        say()

    if need_pair or relay:
        say("Negotiated (`openssl s_client -tls1_3 -groups X25519:P-256 -status`; resumption: a second connection offering the first's session):")
        say()
        for name, s in servers.items():
            view, reused = openssl_view(s["port"], work=work)
            say(f"- {name}: {view}; resumed: {'YES (resumption is on!)' if reused else 'no'}")
            view, reused = openssl_view(s["resume_port"], tls12=True, work=work)
            say(f"- {name}, resumption port (`-tls1_2`): {view}; resumed: {'yes' if reused else 'NO'}")
            probe = fields(client.ask(f"probe {name} {s['port']}"))
            say(f"- {name} as the load client sees it (stack {name}): " + ", ".join(f"{k} {v}" for k, v in probe.items()))
        for name, s in relay.items():
            view, reused = openssl_view(s["port"], work=work)
            say(f"- {name}: {view}; resumed: {'YES (resumption is on!)' if reused else 'no'}")
        say()

    # Warm-up: every JVM (servers and client) through the code of every case before anything is measured.
    if need_pair:
        t0 = time.time()
        for name, s in servers.items():
            client.ask(f"hs {name} {s['port']} {args.conns} {args.warmup}", timeout=args.warmup + 60)
            client.ask(f"resume {name} {s['resume_port']} {args.conns} {max(3, args.warmup // 4)}", timeout=args.warmup + 60)
            client.ask(f"bulk {name} {s['port']} 64 {max(3, args.warmup // 4)}", timeout=args.warmup + 60)
        if "client" in args.cases:
            for stack in ("netty-tls-chain", "netty-tls-scheme"):
                client.ask(f"hs {stack} {servers['netty-tls']['port']} {args.conns} {max(3, args.warmup // 4)}",
                           timeout=args.warmup + 60)
        say(f"- warmed the pair's servers and the load client for {time.time() - t0:.0f} s (handshakes, resumptions, bulk)")
    for name, s in relay.items():
        if s["jvm"]:
            t0 = time.time()
            wrk(h, f"https://localhost:{s['port']}/", 32, args.warmup, True)
            wrk(h, f"https://localhost:{s['port']}/1m", 8, max(3, args.warmup // 4), False)
            say(f"- warmed {name} for {time.time() - t0:.0f} s (handshakes, then bulk)")
    say()

    results = Results()
    loads = []
    relay_cases = [c for c in RELAY_CASES] if "relay" in args.cases else []
    relay_sides = list(relay)

    def pair_round(r, case, results):
        title, cmd, conns, unit, scale, sides = PAIR_CASES[case]
        for name, server, stack in (sides if r % 2 == 0 else sides[::-1]):
            s = servers[server]
            port = s["resume_port"] if cmd == "resume" else s["port"]
            n = conns or args.conns
            answer, wall, cpu, ccpu, jit = measure(s["pids"], [client.proc.pid], lambda: (
                fields(client.ask(f"{cmd} {stack} {port} {n} {args.seconds}", timeout=args.seconds + 90)), 0))
            count = int(answer.get("bytes", answer.get("answered", 0)))
            results.add(case, name, {"count": count, "wall": wall, "cpu": cpu, "client_cpu": ccpu, "jit": jit,
                                     # bulk: a connection that never streamed counts as failed
                                     "failed": int(answer.get("failed", 0)) + n - int(answer.get("streaming", n)),
                                     "resumed": answer.get("resumed"),
                                     "note": answer.get("first_failure")})

    def relay_round(r, case, results):
        title, path, conns, close, unit, scale = RELAY_CASES[case]
        for name in (relay_sides if r % 2 == 0 else relay_sides[::-1]):
            s = relay[name]
            answer, wall, cpu, ccpu, jit = measure(s["pids"](), [], lambda: wrk(
                h, f"https://localhost:{s['port']}{path}", conns, args.seconds, close))
            results.add(case, name, {"count": answer["count"], "wall": wall, "cpu": cpu, "client_cpu": ccpu, "jit": jit,
                                     "failed": answer["failed"], "resumed": None, "note": None})

    for r in range(args.rounds if pair_cases or relay_cases else 0):
        loads.append(loadavg())
        for case in pair_cases:
            pair_round(r, case, results)
        for case in relay_cases:
            relay_round(r, case, results)
        say(f"- round {r + 1}: load average before it {loads[-1]}")
    if loads:
        say(f"- load average after the rounds: {loadavg()}")
        say()

    chart, summaries = [], {}
    for case in pair_cases + relay_cases:
        if case in PAIR_CASES:
            title, _, _, unit, scale, sides = PAIR_CASES[case]
            sides, client_name, peers = [side[0] for side in sides], "Java client", []
        else:
            title, _, _, _, unit, scale = RELAY_CASES[case]
            sides, client_name, peers = relay_sides, "wrk", [p for p in PEERS if p in relay_sides]
        summaries[case] = table(h, results, case, title, sides, unit, scale, client_name, crypto, peers)
        if case != "client":
            chart.append(summaries[case])
        if case == "client":
            us = {s["name"]: s["client_us"] for s in summaries[case]["sides"]}
            names = [s[0] for s in CLIENT_SIDES]
            steps = ", ".join(f"{names[i].split(': ')[1].split(' + ')[-1]} {us[names[i]] - us[names[i - 1]]:+,.0f} µs"
                              for i in range(1, len(names)))
            say(f"The client's CPU per handshake (median): plain `SslHandler` {us[names[0]]:,.0f} µs, full netty-tls stack"
                f" {us[names[-1]]:,.0f} µs; each check's price: {steps}.")
            say()

    if "memory" in args.cases:
        say(f"### memory per idle TLS connection, {memory_conns:,} connections (after full GCs; TLS 1.3, handshake and one request done)")
        say()
        say("| side | connections open | server heap B/conn | server direct B/conn | server RSS B/conn | client heap B/conn | client direct B/conn | client RSS B/conn |")
        say("|---|---:|---:|---:|---:|---:|---:|---:|")
        mem = {}
        for name in PAIR:
            s = servers[name]
            before = fields(s["ctl"].ask("mem", prefix="mem"))
            idle = fields(client.ask(f"idle {name} {s['port']} {memory_conns} {args.memory_seconds}",
                                     timeout=args.memory_seconds + 60))
            after = fields(s["ctl"].ask("mem", prefix="mem"))
            client.ask("close", timeout=60)
            n = max(1, int(idle["open"]))
            per = {k: (int(after[k]) - int(before[k])) / n for k in ("heap", "direct", "rss")}
            cper = {k: int(idle[k]) / n for k in ("heap", "direct", "rss")}
            mem[name] = (per, cper)
            failed = f" ({idle['failed']} failed: {idle.get('first_failure', '')})" if idle.get("failed", "0") != "0" else ""
            say(f"| {name} | {idle['open']} (server saw {int(after['conns']) - int(before['conns'])}){failed} | {per['heap']:,.0f} | {per['direct']:,.0f} | {per['rss']:,.0f}"
                f" | {cper['heap']:,.0f} | {cper['direct']:,.0f} | {cper['rss']:,.0f} |")
        a, b = mem["plain"], mem["netty-tls"]
        ratio = lambda x, y: f"{x / y:.2f}" if y > 0 else "n/a"
        say(f"| ratio netty-tls/plain | | {ratio(b[0]['heap'], a[0]['heap'])} | {ratio(b[0]['direct'], a[0]['direct'])} | {ratio(b[0]['rss'], a[0]['rss'])}"
            f" | {ratio(b[1]['heap'], a[1]['heap'])} | {ratio(b[1]['direct'], a[1]['direct'])} | {ratio(b[1]['rss'], a[1]['rss'])} |")
        summaries["memory"] = {"heap": b[0]["heap"] / a[0]["heap"] if a[0]["heap"] > 0 else None}
        say()
        say(f"- load average after the memory case: {loadavg()}")
        say()

    if "syscalls" in args.cases:
        syscalls_case(h, relay, args)

    if args.profile:
        profiler = async_profiler(work)
        if profiler is None:
            say("### profiles: skipped (async-profiler is not in ~/.m2 and Maven could not fetch it)")
        else:
            say("### where the JVM servers' CPU went (async-profiler 4.1, `event=cpu`, 1 ms, one extra round each)")
            say()
            jvms = [(f"{n}, handshakes", s["pids"]()[0], "relay-hs") for n, s in relay.items() if s["jvm"]] \
                + [(f"{n}, bulk", s["pids"]()[0], "relay-bulk") for n, s in relay.items() if s["jvm"]] \
                + [(f"{n} server, handshakes", servers[n]["pids"][0], "hs") for n in servers if "hs" in args.cases]
            for label, pid, case in jvms:
                out = os.path.join(work, re.sub(r"[^a-z0-9]+", "-", label.lower()) + ".collapsed")
                profiler(pid, "start,event=cpu,interval=1ms,threads")
                extra = Results()
                if case in PAIR_CASES:
                    pair_round(0, case, extra)
                    name = label.split(" server")[0]
                    m = extra.rows[(case, name)][0]
                    unit = "handshake"
                else:
                    relay_round(0, case, extra)
                    name = label.rsplit(", ", 1)[0]
                    m = extra.rows[(case, name)][0]
                    unit = "connection" if case == "relay-hs" else "MiB"
                profiler(pid, f"stop,file={out},collapsed")
                dest = os.path.join(args.results, "profiles")
                os.makedirs(dest, exist_ok=True)
                stamp = started.strftime("%Y-%m-%dT%H%MZ")
                kept = os.path.join(dest, f"{stamp}-{os.path.basename(out)}")
                subprocess.run(["gzip", "-c", out], stdout=open(kept + ".gz", "wb"), check=True)
                say(f"#### {label}")
                say()
                for line in profile_summary(out, m["count"], unit):
                    say(line)
                say()
                say(f"(collapsed stacks: `profiles/{os.path.basename(kept)}.gz`)")
                say()

    if args.profile and relay:
        layers_case(h, relay, args)

    say("### summary")
    say()
    say(summary_line(summaries, crypto))
    say()
    stamp = started.strftime("%Y-%m-%dT%H%MZ")
    os.makedirs(args.results, exist_ok=True)
    report, chart_file = os.path.join(args.results, f"{stamp}-load.md"), os.path.join(args.results, f"{stamp}-load.svg")
    if chart:
        with open(chart_file, "w") as f:
            f.write(load_chart.svg(chart, f"netty-tls load harness, {started.date().isoformat()}, load average"
                                   f" {loads[0].split()[0] if loads else '?'}-{loadavg().split()[0]}"))
        h.lines.insert(2, f"![per server CPU-second, each case]({os.path.basename(chart_file)})\n")
    with open(report, "w") as f:
        f.write("\n".join(h.lines) + "\n")
    print(f"(written to {report}" + (f" and {chart_file})" if chart else ")"))


def summary_line(summaries, crypto):
    """One line with the latest ratios (the README's performance line)."""
    parts = []
    for case, what in [("relay-hs", "handshakes"), ("relay-bulk", "bulk")]:
        s = summaries.get(case)
        if s:
            serve = next(x for x in s["sides"] if x["name"] == SERVE)
            vs = ", ".join(f"{serve['vs'][p]:.2f}× {p.split()[0]}" for p in PEERS if serve["vs"].get(p))
            parts.append(f"`serve --upstream` {what} {vs}")
    for case, what in [("hs", "handshakes"), ("resume", "resumptions"), ("bulk1", "bulk 1 conn"), ("bulk64", "bulk 64 conns")]:
        s = summaries.get(case)
        if s:
            full = next(x for x in s["sides"] if x["name"] == "netty-tls")
            parts.append(f"netty-tls/plain {what} {full['ratio']:.2f}×" if full["ratio"] else f"netty-tls/plain {what} n/a")
    if summaries.get("memory") and summaries["memory"]["heap"]:
        parts.append(f"idle heap {summaries['memory']['heap']:.2f}×")
    if crypto and summaries.get("hs"):
        plain = next(x for x in summaries["hs"]["sides"] if x["name"] == "plain")
        parts.append(f"handshakes {100 * plain['per_cpu'] / crypto['hs_limit']:.0f}% of the crypto limit")
    return "Per server CPU-second: " + "; ".join(parts) + "." if parts else "(no case with a ratio ran)"


def table(h, results, case, title, sides, unit, scale, client_name, crypto, peers=()):
    say = h.say
    base = sides[0]
    per_op = {"hs/s": "handshake", "resumptions/s": "resumption"}.get(unit, "MB")
    say(f"### {title}")
    say()
    peer_heads = "".join(f" | × {p} per server CPU-s (median, range)" for p in peers)
    say(f"| side | {unit} (median) | {unit} per server CPU-s (median) | per server CPU-s, each round | ratio to {base}"
        f" per server CPU-s (median, range){peer_heads} | raw ratio | server CPU | server JIT share | {client_name} CPU"
        f" | {client_name} µs per {per_op} | failed | resumed |")
    say("|---|---:|---:|---|---:|" + "---:|" * len(peers) + "---:|---:|---:|---:|---:|---:|---:|")
    summary = {"title": title, "unit": unit, "sides": []}

    def per_cpu(name):
        return [m["count"] * scale / m["cpu"] if m["cpu"] > 0 else 0.0 for m in results.rows[(case, name)]]

    def versus(name, other):
        ratios = [p / q for p, q in zip(per_cpu(name), per_cpu(other)) if q > 0]
        return (statistics.median(ratios), min(ratios), max(ratios)) if ratios else None

    for name in sides:
        ms = results.rows[(case, name)]
        bs = results.rows[(case, base)]
        rates = [m["count"] * scale / m["wall"] for m in ms]
        per = per_cpu(name)
        vb = versus(name, base)
        raw = [(m["count"] / m["wall"]) / (b["count"] / b["wall"]) for m, b in zip(ms, bs) if b["count"] > 0]
        cpu = statistics.median(m["cpu"] / m["wall"] for m in ms)
        jit = statistics.median(m["jit"] / m["cpu"] if m["cpu"] > 0 else 0 for m in ms)
        ccpu = statistics.median(m["client_cpu"] / m["wall"] for m in ms)
        client_us = statistics.median(m["client_cpu"] * 1e6 / (m["count"] * scale) if m["count"] else 0 for m in ms)
        failed = sum(m["failed"] for m in ms)
        resumed = "" if ms[0]["resumed"] is None else str(sum(int(m["resumed"]) for m in ms))
        fmt = lambda v: f"{v[0]:.2f} ({v[1]:.2f}-{v[2]:.2f})" if v else "n/a"
        ratio = "1.00" if name == base else fmt(vb)
        vs = {p: versus(name, p) for p in peers}
        peer_cells = "".join(f" | {'1.00' if p == name else fmt(vs[p])}" for p in peers)
        rawr = "1.00" if name == base else f"{statistics.median(raw):.2f}" if raw else "n/a"
        say(f"| {name} | {statistics.median(rates):,.0f} | {statistics.median(per):,.0f} | {' / '.join(f'{p:,.0f}' for p in per)}"
            f" | {ratio}{peer_cells} | {rawr} | {cpu:.2f} | {100 * jit:.0f}% | {ccpu:.2f} | {client_us:,.0f} | {failed} | {resumed} |")
        summary["sides"].append({"name": name, "per_cpu": statistics.median(per), "rate": statistics.median(rates),
                                 "ratio": None if name == base or not vb else vb[0], "client_us": client_us,
                                 "vs": {p: v[0] for p, v in vs.items() if v}})
    notes = [m["note"] for name in sides for m in results.rows[(case, name)] if m.get("note")]
    say()
    if notes:
        say(f"First failure seen: `{notes[0]}`")
        say()
    if crypto and unit == "hs/s":
        shares = ", ".join(f"{s['name']} {100 * s['per_cpu'] / crypto['hs_limit']:.0f}%" for s in summary["sides"])
        say(f"Share of the crypto limit ({crypto['hs_limit']:,.0f} handshakes per core-second): {shares}.")
        say()
    if crypto and unit == "MB/s":
        shares = ", ".join(f"{s['name']} {100 * s['per_cpu'] / crypto['gcm_mb']:.0f}%" for s in summary["sides"])
        say(f"Share of one core's AES-128-GCM ({crypto['gcm_mb']:,.0f} MB/s): {shares}.")
        say()
    return summary


if __name__ == "__main__":
    main()
