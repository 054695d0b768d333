"""The load harness behind run-load.sh.

Pairs (a) plain Netty SslHandler / (b) netty-tls (SniCertSelector over 100 names, OCSP stapling,
and the full client stack) through the harness's own Java client (LoadClient), and the relay trio
`serve --upstream` / a minimal plain-Netty relay (the baseline) / nginx stream through wrk; alternates the two sides of every pair from round
to round, prints per-round values, medians and ratios per server CPU-second, raw rates, server
and client CPU and the load average; adds the idle-connection memory of the first pair and the
share of the crypto limit (`openssl speed`); writes a Markdown report and an SVG chart.

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
RELAY = ["serve --upstream", "minimal Netty relay", "nginx stream"]
ALL_CASES = ["crypto", "hs", "resume", "bulk1", "bulk64", "memory", "relay"]


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
    """Runs work() and returns its answer with wall time, server and client CPU over the same window."""
    s0, c0, t0 = cpu_seconds(server_pids), cpu_seconds(client_pids), time.time()
    answer, extra_client_cpu = work()
    wall = time.time() - t0
    return answer, wall, cpu_seconds(server_pids) - s0, cpu_seconds(client_pids) - c0 + extra_client_cpu


def wrk(h, url, conns, seconds, close):
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s"]
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
    ap.add_argument("--warmup", type=int, default=20, help="seconds of handshakes per JVM server before the rounds")
    ap.add_argument("--conns", type=int, default=32, help="connections in flight in the handshake cases")
    ap.add_argument("--memory-conns", type=int, default=10000)
    ap.add_argument("--memory-seconds", type=int, default=150, help="time limit for opening the idle connections, per side")
    ap.add_argument("--client-loops", type=int, default=2, help="event loops of the Java load client")
    ap.add_argument("--cases", default=",".join(ALL_CASES), help="comma list of: " + ",".join(ALL_CASES))
    ap.add_argument("--jar", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--chart", required=True)
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
PAIR_CASES = {
    # name: (title, client command, connections, unit, per-count scale, sides)
    "hs": ("full TLS 1.3 handshakes (ECDSA P-256, X25519), new connection per request", "hs", None, "hs/s", 1,
           SIDES + [SERVER_ONLY]),
    "resume": ("TLS 1.2 resumptions (session cache on), new connection per request", "resume", None, "resumptions/s", 1,
               SIDES + [SERVER_ONLY]),
    "bulk1": ("bulk, 16 KiB records, 1 connection", "bulk", 1, "MB/s", 1e-6, SIDES),
    "bulk64": ("bulk, 16 KiB records, 64 connections", "bulk", 64, "MB/s", 1e-6, SIDES),
}
RELAY_CASES = {
    "relay-hs": ("relay to a plain backend: full TLS 1.3 handshakes (wrk -c32, Connection: close)", "/", 32, True,
                 "hs/s", 1),
    "relay-bulk": ("relay to a plain backend: bulk 1 MiB responses (wrk -c8)", "/1m", 8, False, "MB/s", MIB / 1e6),
}


def run(h, args):
    work, say = h.work, h.say
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    low, high = (int(x) for x in open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    memory_conns = min(args.memory_conns, hard - 1000, high - low - 2000)
    # Heap fixed and touched up front, so that a growth of the resident set is memory outside the heap
    # (BoringSSL's SSL objects, direct buffers), not heap pages the collector touched for the first time.
    jvm = ["java", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"]
    java = jvm + ["-Dio.netty.availableProcessors=1",
            "-Djdk.tls.server.enableSessionTicketExtension=false"]
    main_class = lambda name: ["-cp", args.jar, "org.nettytls.benchmarks.load." + name]
    ocsp_port = free_port()
    subprocess.run(java + main_class("LoadServer") + ["pki", work + "/pki", str(ocsp_port)], check=True, capture_output=True)
    pki, cert, key, ca = work + "/pki", work + "/pki/server.pem", work + "/pki/server.key", work + "/pki/ca.pem"
    with open(work + "/1m", "wb") as f:
        f.write(b"x" * MIB)

    pair_cases = [c for c in PAIR_CASES if c in args.cases]
    need_pair = bool(pair_cases) or "memory" in args.cases
    servers, client = {}, None
    if need_pair:
        for name in PAIR:
            full, resume = free_port(), free_port()
            extra = [str(ocsp_port)] if name == "netty-tls" else []
            c = h.start_controlled(name, java + main_class("LoadServer") + [name, str(full), str(resume), pki] + extra,
                                   "listening on")
            servers[name] = {"pids": [c.proc.pid], "port": full, "resume_port": resume, "ctl": c}
        client = h.start_controlled("client", jvm + main_class("LoadClient")
                                    + [ca, str(args.client_loops)], "ready")
    relay = {}
    if "relay" in args.cases:
        ports = {n: free_port() for n in ["backend", "serve", "minimal", "nginx-stream"]}
        h.start_controlled("backend", java + main_class("LoadServer") + ["backend", str(ports["backend"])], "listening on")
        p = h.start("serve", java + ["-jar", args.cli, "serve", "--listen", f"127.0.0.1:{ports['serve']}",
                                     "--cert", f"default={cert},{key}", "--upstream", f"127.0.0.1:{ports['backend']}"],
                    "listening on")
        relay["serve --upstream"] = {"pids": lambda p=p: [p.pid], "port": ports["serve"], "jvm": True}
        # The baseline: plain Netty's obvious relay (LoadServer relay, MinimalRelay), same JVM options.
        m = h.start_controlled("minimal relay", java + main_class("LoadServer")
                               + ["relay", str(ports["minimal"]), pki, str(ports["backend"])], "listening on")
        relay["minimal Netty relay"] = {"pids": lambda m=m: [m.proc.pid], "port": ports["minimal"], "jvm": True}
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
        listen 127.0.0.1:{ports['nginx-stream']} ssl;
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
        ng = h.start("nginx", ["nginx", "-p", work, "-c", work + "/nginx.conf", "-e", work + "/nginx-error.log"])
        deadline = time.time() + 20
        while not children(ng.pid):
            if ng.poll() is not None or time.time() > deadline:
                raise SystemExit("nginx did not start: " + open(work + "/nginx.out").read()
                                 + open(work + "/nginx-error.log").read())
            time.sleep(0.2)
        relay["nginx stream"] = {"pids": lambda: [ng.pid] + children(ng.pid), "port": ports["nginx-stream"], "jvm": False}

    say(f"# netty-tls load harness, {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}")
    say()
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    say(f"- machine: {os.cpu_count()} cores, {cpu_model}, Linux {platform.release()}; load average at the start {loadavg()}")
    say("- " + subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
        + "; " + subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
        + (("; " + subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip() + "; "
            + subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]) if relay else ""))
    say(f"- every server: 1 event loop (nginx: 1 worker), 127.0.0.1, one ECDSA P-256 certificate, groups X25519 then P-256 (P-256 only so that TLS 1.2 may use the ECDSA P-256 certificate);"
        f" Java load client: Netty epoll, {args.client_loops} event loops, {args.conns} connections in flight for"
        f" handshakes; {args.rounds} rounds x {args.seconds} s per case and side, sides alternated (reversed every other round)")
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
    relay_cases = [c for c in RELAY_CASES] if relay else []
    for r in range(args.rounds):
        loads.append(loadavg())
        for case in pair_cases:
            title, cmd, conns, unit, scale, sides = PAIR_CASES[case]
            for name, server, stack in (sides if r % 2 == 0 else sides[::-1]):
                s = servers[server]
                port = s["resume_port"] if cmd == "resume" else s["port"]
                n = conns or args.conns
                answer, wall, cpu, ccpu = measure(s["pids"], [client.proc.pid], lambda: (
                    fields(client.ask(f"{cmd} {stack} {port} {n} {args.seconds}", timeout=args.seconds + 90)), 0))
                count = int(answer.get("bytes", answer.get("answered", 0)))
                results.add(case, name, {"count": count, "wall": wall, "cpu": cpu, "client_cpu": ccpu,
                                         # bulk: a connection that never streamed counts as failed
                                         "failed": int(answer.get("failed", 0)) + n - int(answer.get("streaming", n)),
                                         "resumed": answer.get("resumed"),
                                         "note": answer.get("first_failure")})
        for case in relay_cases:
            title, path, conns, close, unit, scale = RELAY_CASES[case]
            for name in (RELAY if r % 2 == 0 else RELAY[::-1]):
                s = relay[name]
                answer, wall, cpu, ccpu = measure(s["pids"](), [], lambda: wrk(
                    h, f"https://localhost:{s['port']}{path}", conns, args.seconds, close))
                results.add(case, name, {"count": answer["count"], "wall": wall, "cpu": cpu, "client_cpu": ccpu,
                                         "failed": answer["failed"], "resumed": None, "note": None})
        say(f"- round {r + 1}: load average before it {loads[-1]}")
    say(f"- load average after the rounds: {loadavg()}")
    say()

    chart = []
    for case in pair_cases + relay_cases:
        if case in PAIR_CASES:
            title, _, _, unit, scale, sides = PAIR_CASES[case]
            sides, client_name = [side[0] for side in sides], "Java client"
        else:
            title, _, _, _, unit, scale = RELAY_CASES[case]
            sides, client_name = RELAY, "wrk"
        chart.append(table(h, results, case, title, sides, unit, scale, client_name, crypto))

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
        say()
        say(f"- load average after the memory case: {loadavg()}")
        say()

    with open(args.out, "w") as f:
        f.write("\n".join(h.lines) + "\n")
    if chart:
        with open(args.chart, "w") as f:
            f.write(load_chart.svg(chart, f"netty-tls load harness, {datetime.date.today().isoformat()}, load average"
                                   f" {loads[0].split()[0]}-{loadavg().split()[0]}"))
    print(f"(written to {args.out} and {args.chart})")


def table(h, results, case, title, sides, unit, scale, client_name, crypto):
    say = h.say
    base = sides[0]
    say(f"### {title}")
    say()
    say(f"| side | {unit} (median) | {unit} per server CPU-s (median) | per server CPU-s, each round | ratio to {base}"
        f" per server CPU-s (median, range) | raw ratio | server CPU | {client_name} CPU | failed | resumed |")
    say("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    summary = {"title": title, "unit": unit, "sides": []}
    for name in sides:
        ms = results.rows[(case, name)]
        bs = results.rows[(case, base)]
        rates = [m["count"] * scale / m["wall"] for m in ms]
        per = [m["count"] * scale / m["cpu"] if m["cpu"] > 0 else 0.0 for m in ms]
        bper = [b["count"] * scale / b["cpu"] if b["cpu"] > 0 else 0.0 for b in bs]
        ratios = [p / q for p, q in zip(per, bper) if q > 0]
        raw = [(m["count"] / m["wall"]) / (b["count"] / b["wall"]) for m, b in zip(ms, bs) if b["count"] > 0]
        cpu = statistics.median(m["cpu"] / m["wall"] for m in ms)
        ccpu = statistics.median(m["client_cpu"] / m["wall"] for m in ms)
        failed = sum(m["failed"] for m in ms)
        resumed = "" if ms[0]["resumed"] is None else str(sum(int(m["resumed"]) for m in ms))
        ratio = "1.00" if name == base else f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})" \
            if ratios else "n/a"
        rawr = "1.00" if name == base else f"{statistics.median(raw):.2f}" if raw else "n/a"
        say(f"| {name} | {statistics.median(rates):,.0f} | {statistics.median(per):,.0f} | {' / '.join(f'{p:,.0f}' for p in per)}"
            f" | {ratio} | {rawr} | {cpu:.2f} | {ccpu:.2f} | {failed} | {resumed} |")
        summary["sides"].append({"name": name, "per_cpu": statistics.median(per), "rate": statistics.median(rates),
                                 "ratio": None if name == base or not ratios else statistics.median(ratios)})
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
