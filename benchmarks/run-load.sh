#!/usr/bin/env bash
# Load harness: plain Netty SslHandler against netty-tls (server and client stacks, the client's
# checks one by one, idle memory), and `serve --upstream` against a minimal plain-Netty relay,
# nginx stream and HAProxy (rates per server CPU-second, syscalls per connection), on 127.0.0.1.
# The method and how to read the report: benchmarks/README.md.
#
#   benchmarks/run-load.sh [--no-build] [--rounds 3] [--seconds 8] [--warmup 30] [--cases LIST]
#                          [--transport auto|io_uring|epoll|nio] [--pin|--no-pin] [--profile]
#                          [--memory-conns 10000] [--conns 32] [--client-loops 2]
#
# LIST is a comma list of crypto,hs,resume,bulk1,bulk64,client,memory,relay,syscalls (default: all).
# On a shared machine, build first and measure under the lock:
#   nice -n 19 mvn -B -q -o -pl benchmarks,examples -am package -DskipTests
#   flock /tmp/netty-tls-bench.lock benchmarks/run-load.sh --no-build
# Needs wrk, nginx with the stream module, haproxy, perf, openssl, python3 and java; run as root it
# installs the missing Debian packages with apt-get, otherwise it says which to install.
# Writes the dated report benchmarks/results/<UTC time>-load.md (and its chart, .svg, beside it).
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
if [ "${1:-}" = "--no-build" ]; then
  build=0
  shift
fi
missing=()
packages=()
for tool in wrk nginx haproxy perf taskset openssl python3 java; do
  if ! command -v "$tool" >/dev/null; then
    missing+=("$tool")
    case "$tool" in
      wrk|haproxy|openssl|python3) packages+=("$tool") ;;
      nginx) packages+=(nginx-light libnginx-mod-stream) ;;
      perf) packages+=(linux-perf) ;;
      taskset) packages+=(util-linux) ;;
      java) packages+=(openjdk-17-jdk-headless) ;;
    esac
  fi
done
if [ ! -e /usr/lib/nginx/modules/ngx_stream_module.so ] && [[ " ${packages[*]:-} " != *libnginx-mod-stream* ]]; then
  missing+=("nginx stream module")
  packages+=(libnginx-mod-stream)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${packages[*]} (missing: ${missing[*]})" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2 \
      || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2; }
  else
    echo "missing: ${missing[*]}" >&2
    echo "install on Debian/Ubuntu (as root): apt-get install -y ${packages[*]}" >&2
    echo "(the packaged nginx and haproxy services need not run: the harness starts its own)" >&2
    exit 2
  fi
fi
if [ "$build" = 1 ]; then
  nice -n 19 mvn -B -q -o -pl benchmarks,examples -am package -DskipTests
fi
exec python3 benchmarks/load.py --jar benchmarks/target/benchmarks.jar --cli examples/target/netty-tls.jar \
  --results benchmarks/results "$@"
