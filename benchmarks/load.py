"""The load harness behind run-load.sh: starts the servers, warms every JVM, alternates the
servers of each comparison over several rounds, and prints medians and ratios per server CPU-second.

Everything binds to 127.0.0.1, every wrk run is bounded by -d, and every process started here is
stopped by its pid at the end (also on errors and Ctrl-C).
"""
import argparse
import datetime
import os
import platform
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1 << 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids):
    """utime+stime of the processes and their children threads (a JVM is one process)."""
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


class Harness:
    def __init__(self, args):
        self.args = args
        self.procs = []
        self.work = tempfile.mkdtemp(prefix="netty-tls-load.")
        self.log = open(os.path.join(self.work, "harness.log"), "w")

    def start(self, name, cmd, ready=None, timeout=60):
        out = open(os.path.join(self.work, name + ".out"), "w+")
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
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

    def stop_all(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()

    def wrk(self, url, conns, seconds, close):
        cmd = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s"]
        if close:
            cmd += ["-H", "Connection: close"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 30).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        self.log.write(" ".join(cmd + [url]) + "\n" + out + "\n")
        self.log.flush()
        m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
        if not m:
            raise SystemExit("wrk printed no result:\n" + out)
        requests = int(m.group(1))
        errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return requests, errors + (int(non2xx.group(1)) if non2xx else 0), client_cpu

    def measure(self, server, url, conns, seconds, close):
        pids = server["pids"]()
        c0, t0 = cpu_seconds(pids), time.time()
        requests, errors, client_cpu = self.wrk(url, conns, seconds, close)
        wall = time.time() - t0
        cpu = cpu_seconds(pids) - c0
        return {"requests": requests, "errors": errors, "wall": wall, "cpu": cpu, "client_cpu": client_cpu,
                "rate": requests / wall, "per_cpu": requests / cpu if cpu > 0 else 0.0}


def negotiated(port):
    out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost"],
                         input="", capture_output=True, text=True, timeout=20).stdout
    proto = re.search(r"New, (\S+), Cipher is (\S+)", out)
    key = re.search(r"Server Temp Key: ([^\n]+)", out)
    sig = re.search(r"Peer signature type: (\S+)", out)
    return " ".join(x for x in [proto and proto.group(1), proto and proto.group(2),
                                key and key.group(1), sig and sig.group(1)] if x)


def resumes(port, work):
    """Whether a second connection with the first one's session resumes (TLS 1.3 ticket or 1.2 id)."""
    sess = os.path.join(work, f"sess-{port}.pem")
    base = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost"]
    request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
    subprocess.run(base + ["-sess_out", sess], input=request, capture_output=True, text=True, timeout=20)
    if not os.path.exists(sess):
        return False
    out = subprocess.run(base + ["-sess_in", sess], input=request, capture_output=True, text=True, timeout=20).stdout
    return "Reused," in out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cases", default="",
                    help="run only the cases whose title contains one of these comma-separated words, e.g. relay")
    args = ap.parse_args()
    h = Harness(args)
    try:
        run(h, args)
    finally:
        h.stop_all()


def run(h, args):
    work = h.work
    java = ["java", "-Xms1g", "-Xmx1g", "-Dio.netty.availableProcessors=1",
            "-Djdk.tls.server.enableSessionTicketExtension=false"]
    subprocess.run(java + ["-cp", args.jar, "org.nettytls.benchmarks.load.LoadServer", "pki", work + "/pki"],
                   check=True, capture_output=True)
    cert, key = work + "/pki/server.pem", work + "/pki/server.key"
    with open(work + "/1m", "wb") as f:
        f.write(b"x" * MIB)
    ports = {n: free_port() for n in ["plain", "netty-tls", "nginx", "backend", "serve", "nginx-stream"]}
    server_class = "org.nettytls.benchmarks.load.LoadServer"
    servers = {}
    for name in ["plain", "netty-tls"]:
        p = h.start(name, java + ["-cp", args.jar, server_class, name, str(ports[name]), cert, key], "listening on")
        servers[name] = {"pids": (lambda p=p: [p.pid]), "port": ports[name], "jvm": True}
    backend = h.start("backend", java + ["-cp", args.jar, server_class, "backend", str(ports["backend"])], "listening on")
    p = h.start("serve", java + ["-jar", args.cli, "serve", "--listen", f"127.0.0.1:{ports['serve']}",
                                 "--cert", f"default={cert},{key}", "--upstream", f"127.0.0.1:{ports['backend']}"],
                "listening on")
    servers["serve --upstream"] = {"pids": (lambda p=p: [p.pid]), "port": ports["serve"], "jvm": True}
    conf = f"""
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
daemon off;
user root;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    default_type application/octet-stream;
    keepalive_requests 100000000;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    ssl_session_tickets off;
    server {{
        listen 127.0.0.1:{ports['nginx']} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location = /1m {{ alias {work}/1m; }}
        location / {{ return 200 "ok"; }}
    }}
}}
stream {{
    server {{
        listen 127.0.0.1:{ports['nginx-stream']} ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
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
    ng = h.start("nginx", ["nginx", "-p", work, "-c", work + "/nginx.conf"])
    deadline = time.time() + 20
    while not children(ng.pid):
        if ng.poll() is not None or time.time() > deadline:
            raise SystemExit("nginx did not start: " + open(work + "/nginx.out").read())
        time.sleep(0.2)
    nginx_pids = lambda: [ng.pid] + children(ng.pid)
    servers["nginx"] = {"pids": nginx_pids, "port": ports["nginx"], "jvm": False}
    servers["nginx stream"] = {"pids": nginx_pids, "port": ports["nginx-stream"], "jvm": False}
    time.sleep(1)

    lines = []
    say = lambda s="": (print(s, flush=True), lines.append(s))
    say(f"# netty-tls load harness, {datetime.datetime.now().isoformat(timespec='seconds')}")
    say()
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    say(f"- machine: {platform.node()}, {os.cpu_count()} cores, {cpu_model}, Linux {platform.release()}")
    say("- " + subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0])
    say("- " + subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
        + ", " + subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
        + ", " + subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0])
    say(f"- every server: 1 event loop / 1 nginx worker, 127.0.0.1, ECDSA P-256 certificate; wrk -t1;"
        f" {args.rounds} rounds x {args.seconds} s per case, servers alternated (reversed every other round)")
    say()
    say("Negotiated (openssl s_client) and session resumption (a second connection offering the first's session):")
    say()
    for name, s in servers.items():
        say(f"- {name}: {negotiated(s['port'])}; resumed: {'YES (resumption is on!)' if resumes(s['port'], work) else 'no'}")
    say()

    url = lambda s, path: f"https://localhost:{servers[s]['port']}{path}"
    cases = [
        ("full handshakes (TLS 1.3, new connection per request, -c32)", ["plain", "netty-tls", "nginx"], "/", 32, True, 1, "hs/s"),
        ("bulk 1 MiB responses, 1 connection", ["plain", "netty-tls", "nginx"], "/1m", 1, False, MIB / 1e6, "MB/s"),
        ("bulk 1 MiB responses, 64 connections", ["plain", "netty-tls", "nginx"], "/1m", 64, False, MIB / 1e6, "MB/s"),
        ("relay to a plain backend: full handshakes (-c32)", ["serve --upstream", "nginx stream"], "/", 32, True, 1, "hs/s"),
        ("relay to a plain backend: bulk 1 MiB, 8 connections", ["serve --upstream", "nginx stream"], "/1m", 8, False, MIB / 1e6, "MB/s"),
    ]
    cases = [c for c in cases if not args.cases or any(w in c[0] for w in args.cases.split(","))]
    for name, s in servers.items():
        if s["jvm"] and any(name in c[1] for c in cases):
            t0 = time.time()
            h.wrk(url(name, "/"), 32, args.warmup, True)
            h.wrk(url(name, "/1m"), 8, max(5, args.warmup // 3), False)
            say(f"- warmed {name} for {time.time() - t0:.0f} s (handshakes, then bulk)")
    say()

    results = {(c[0], s): [] for c in cases for s in c[1]}
    loads = []
    for r in range(args.rounds):
        loads.append(open("/proc/loadavg").read().split()[:3])
        for title, names, path, conns, close, scale, unit in cases:
            order = names if r % 2 == 0 else list(reversed(names))
            for name in order:
                m = h.measure(servers[name], url(name, path), conns, args.seconds, close)
                results[(title, name)].append(m)
        say(f"- round {r + 1}: load average before it {' '.join(loads[-1])}")
    say(f"- load average after: {' '.join(open('/proc/loadavg').read().split()[:3])}")
    say()
    for title, names, path, conns, close, scale, unit in cases:
        base = names[0]
        say(f"### {title}")
        say()
        say(f"| server | {unit} (median) | {unit} per server CPU-s (median) | per CPU-s, each round | ratio to {base} per CPU-s (median, range) | server CPU | wrk CPU | errors |")
        say("|---|---:|---:|---|---:|---:|---:|---:|")
        for name in names:
            ms = results[(title, name)]
            rate = statistics.median(m["rate"] for m in ms) * scale
            per = [m["per_cpu"] * scale for m in ms]
            ratios = [m["per_cpu"] / b["per_cpu"] for m, b in zip(ms, results[(title, base)]) if b["per_cpu"] > 0]
            cpu = statistics.median(m["cpu"] / m["wall"] for m in ms)
            ccpu = statistics.median(m["client_cpu"] / m["wall"] for m in ms)
            errs = sum(m["errors"] for m in ms)
            ratio = "1.00" if name == base else f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
            say(f"| {name} | {rate:,.0f} | {statistics.median(per):,.0f} | {' / '.join(f'{p:,.0f}' for p in per)} | {ratio} | {cpu:.2f} | {ccpu:.2f} | {errs} |")
        say()
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"(written to {args.out}; wrk output in {work}/harness.log)")


if __name__ == "__main__":
    main()
