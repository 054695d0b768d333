#!/usr/bin/env bash
# Load harness: netty-tls against plain Netty SslHandler and nginx, on 127.0.0.1 only.
#
#   benchmarks/run-load.sh [--rounds 3] [--seconds 8] [--warmup 30] [--cases relay]   (about 10 minutes by default;
#   --cases runs only the cases whose title contains one of the comma-separated words)
#
# Compares, per server CPU-second (wrk, the client, saturates its core first):
#   full TLS 1.3 handshakes and 1 MiB bulk responses: plain Netty + BoringSSL / netty-tls / nginx;
#   a TLS-terminating relay to a plain backend: `serve --upstream` / nginx stream.
# It installs nothing: it needs wrk, nginx (with the stream module), openssl, python3 and java.
# Builds offline (the Maven dependencies must be in ~/.m2, as after any `mvn verify`).
# Prints a Markdown report and writes it to benchmarks/target/load-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for tool in wrk nginx openssl python3 java mvn; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if command -v nginx >/dev/null && [ ! -e /usr/lib/nginx/modules/ngx_stream_module.so ]; then
  missing+=("nginx stream module")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "missing: ${missing[*]}" >&2
  echo "install on Debian/Ubuntu: apt-get install -y wrk nginx-light libnginx-mod-stream openssl python3" >&2
  echo "(this script installs nothing itself; nginx's packaged service need not run: the harness starts its own)" >&2
  exit 2
fi
mvn -B -q -o -pl benchmarks,examples -am package -DskipTests
exec python3 benchmarks/load.py --jar benchmarks/target/benchmarks.jar --cli examples/target/netty-tls.jar \
  --out benchmarks/target/load-results.md "$@"
