package org.nettytls.examples.cli;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.nettytls.examples.HostPort;
import org.nettytls.metrics.TlsMetrics;
import picocli.CommandLine.Option;

/**
 * {@code serve --metrics HOST:PORT}: netty-tls-metrics' meters in a Prometheus registry, scraped at
 * {@code http://HOST:PORT/metrics} in the Prometheus text format. The HTTP endpoint is the JDK's
 * own small server on a thread of its own, so a scrape never runs on a TLS event loop.
 */
final class MetricsOptions {
    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics at "
            + "http://HOST:PORT/metrics (handshakes, SNI, certificate expiry, OCSP, fleet); port 0 picks a free one.")
    HostPort metrics;

    private PrometheusMeterRegistry registry;
    private TlsMetrics binder;
    private HttpServer server;
    private ExecutorService executor;

    boolean on() {
        return metrics != null;
    }

    /** The binder, or {@code null} without {@code --metrics}; made on first use. */
    TlsMetrics binder() {
        if (metrics == null) {
            return null;
        }
        if (binder == null) {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            binder = TlsMetrics.of(registry);
        }
        return binder;
    }

    PrometheusMeterRegistry registry() {
        binder();
        return registry;
    }

    /** Starts the endpoint; returns the line that says where it is, or {@code null} without {@code --metrics}. */
    String start() throws IOException {
        if (metrics == null) {
            return null;
        }
        HostPort at = metrics;
        PrometheusMeterRegistry r = registry();
        server = HttpServer.create(new InetSocketAddress(at.host(), at.port()), 16);
        executor = Executors.newSingleThreadExecutor(t -> {
            Thread thread = new Thread(t, "serve-metrics");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> {
            try (exchange) {
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                byte[] body = r.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, "HEAD".equals(exchange.getRequestMethod()) ? -1 : body.length);
                if (!"HEAD".equals(exchange.getRequestMethod())) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
            }
        });
        server.start();
        InetSocketAddress bound = server.getAddress();
        return "metrics on http://" + bound.getAddress().getHostAddress() + ":" + bound.getPort() + "/metrics";
    }

    void close() {
        if (server != null) {
            server.stop(0);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
