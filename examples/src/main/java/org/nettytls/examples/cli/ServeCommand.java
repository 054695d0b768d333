package org.nettytls.examples.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.nettytls.TlsServerOptions;
import org.nettytls.error.TlsException;
import org.nettytls.VerifyMode;
import org.nettytls.examples.HostPort;
import org.nettytls.examples.proxy.TlsTerminatingProxy;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.examples.serve.SniEchoHandler;
import org.nettytls.transport.Transport;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.trap.PlainHttpAnswer;
import org.nettytls.sni.SniSelectionEvent;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniReloader;
import org.nettytls.sni.SniSelectorOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code serve}: a TLS server that picks its certificate by the name the client asks for, with
 * RSA and ECDSA certificates per name, as IO::Socket::SSL's {@code SSL_cert_file => { ... }}.
 */
@Command(name = "serve", description = {
    "Serve TLS with certificates chosen by server name (SNI).",
    "One --cert NAME=CERT[,KEY] per name (repeatable): 'default=' for clients with no or an unknown name, "
            + "'*.example.org=' for a wildcard, 'NAME%%ecc=' for a second certificate of another key type, which goes to "
            + "clients that can verify it. Prints 'listening on HOST:PORT' when ready, and one line per connection with "
            + "the name asked for and the certificate sent.",
    "With --upstream HOST:PORT it is a TLS-terminating proxy: each client's decrypted bytes go to HOST:PORT with "
            + "backpressure and half-close, optionally over verified TLS (--upstream-tls) and after a PROXY protocol v2 "
            + "header (--proxy-protocol); one line per closed relay says how it went.",
    "With --ocsp-staple every certificate (each name's, each key type's, the default's) is stapled with its own OCSP "
            + "response, fetched before accepting and refreshed; 'ocsp:' lines say what was fetched, refreshed or failed, "
            + "and which certificates go out unstapled; with --watch a renewed certificate is fetched for when its file "
            + "is reloaded, and stapled once answered.",
    "--metrics HOST:PORT serves Prometheus metrics at /metrics; --fleet redis://... shares session ticket keys and "
            + "OCSP staples with the other instances behind the same load balancer.",
    "With --acme DIRECTORY_URL the certificates of --cert NAME=acme[:KEYS] and --acme-domain NAME come from that ACME "
            + "server (tls-alpn-01 answered on this port, or http-01 with --acme-http) and are renewed and reloaded without "
            + "a restart; 'acme:' lines say what was ordered, validated, issued, renewed or failed."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls serve --listen 127.0.0.1:8443 --echo \\",
        "      --cert www.example.org=www.pem,www.key \\",
        "      --cert www.example.org%%ecc=www-ec.pem,www-ec.key \\",
        "      --cert default=other.pem",
        "  netty-tls serve --listen 0.0.0.0:8443 --cert default=site.pem,site.key \\",
        "      --upstream 127.0.0.1:8080",
        "  netty-tls serve --listen 0.0.0.0:8443 --echo \\",
        "      --ocsp-staple --ocsp-dir /var/cache/netty-tls-ocsp \\",
        "      --cert www.example.org=www-and-issuer.pem,www.key \\",
        "      --cert www.example.org%%ecc=www-ec-and-issuer.pem,www-ec.key",
        "  netty-tls serve --listen 127.0.0.1:8443 --upstream 127.0.0.1:8080 \\",
        "      --ocsp-staple --ocsp-url http://127.0.0.1:8888 \\",
        "      --cert default=site-and-issuer.pem,site.key",
        "  netty-tls serve --listen 0.0.0.0:443 --echo \\",
        "      --acme https://acme-v02.api.letsencrypt.org/directory \\",
        "      --acme-email hostmaster@example.org --acme-dir /var/lib/netty-tls-acme \\",
        "      --cert www.example.org=acme:rsa+ecdsa --acme-domain example.org"})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", required = true,
            description = "Address to listen on; port 0 picks a free one.")
    HostPort listen;

    @Option(names = "--cert", paramLabel = "NAME=CERT[,KEY]",
            description = "Certificate (and key; default: in CERT) for NAME; repeatable. With --acme, NAME=acme[:KEYS] "
                    + "gets NAME's certificate from the ACME server.")
    List<String> certs = new ArrayList<>();

    @Option(names = "--client-ca", paramLabel = "FILE",
            description = "CAs that client certificates are verified against and named in the request.")
    Path clientCa;

    @Option(names = "--verify-client", description = "Require a client certificate (needs --client-ca).")
    boolean verifyClient;

    @Option(names = "--alpn", paramLabel = "LIST", split = ",", description = "ALPN protocols in preference order.")
    List<String> alpn = new ArrayList<>();

    @Option(names = "--session-tickets", description = "Issue TLS 1.2 session tickets too (TLS 1.3 always has them).")
    boolean sessionTickets;

    @Option(names = "--plain-http-redirect", paramLabel = "URL",
            description = "Answer plain HTTP sent to the TLS port with a redirect to URL plus the request's path (SSL_error_trap).")
    String plainHttpRedirect;

    /** {@link #plainHttpRedirect} as the trap every name's options get. */
    private PlainHttpAnswer plainTrap;

    @Option(names = "--echo", description = "Echo what clients send.")
    boolean echo;

    @Mixin
    UpstreamOptions upstream;

    @Mixin
    TransportOption transportOption;

    @Mixin
    OcspStapleOptions ocsp;

    @Mixin
    AcmeServeOptions acme;

    @Mixin
    CertCompressionOption compression;

    @Option(names = "--watch", paramLabel = "SECONDS",
            description = "Re-read the certificate files when they change, checking every SECONDS.")
    Integer watchSeconds;

    @Option(names = "--naccept", paramLabel = "N", description = "Exit after N connections have closed.")
    Integer naccept;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    FleetOptions fleet;

    @Option(names = "--log-format", paramLabel = "text|json", description = "Per-connection lines as text (default) "
            + "or one JSON object per line.")
    String logFormat = "text";

    private SniMapping load(List<CertSpecs.Entry> entries) throws TlsException {
        PlainHttpAnswer trap = plainTrap;
        UnaryOperator<TlsServerOptions.Builder> settings = o -> {
            o.alpnProtocols(alpn).sessionTickets(sessionTickets).certificateCompression(!compression.off);
            if (trap != null) {
                // Each name's trap: the default's takes a plaintext client, which names no server.
                o.errorTrap(trap);
            }
            if (metrics.on()) {
                o.observer(metrics.binder());
            }
            if (fleet.on()) {
                // The fleet's keys: a session from any instance resumes here (TLS 1.2 tickets on too).
                o.ticketKeys(fleet.ticketKeys());
            }
            if (ocsp.staple) {
                // Every certificate of the name (each key type) with its own staple, per connection.
                o.ocspStaples(ocsp::currentStaple);
            }
            if (clientCa != null) {
                o.caFile(clientCa).clientCaFile(clientCa).verifyMode(verifyClient ? VerifyMode.REQUIRE : VerifyMode.PEER);
            }
            return o;
        };
        SniMapping.Builder b = CertSpecs.builder(entries, settings);
        acme.addTo(b, settings);
        SniMapping mapping = b.isEmpty() ? SniMapping.empty() : b.build();
        // Before the new mapping serves: a renewed certificate's first fetch starts now, not at a restart.
        List<CertSpecs.Entry> all = new ArrayList<>(entries);
        all.addAll(acme.entries());
        ocsp.follow(all);
        return mapping;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (echo == upstream.given()) {
            throw new UsageException("give either --echo or --upstream HOST:PORT");
        }
        if (verifyClient && clientCa == null) {
            throw new UsageException("--verify-client needs --client-ca");
        }
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            throw UsageException.of("--log-format", "expected text or json, found '" + logFormat + "'");
        }
        try {
            plainTrap = plainHttpRedirect == null ? null : PlainHttpAnswer.redirectTo(plainHttpRedirect);
        } catch (IllegalArgumentException e) {
            throw UsageException.of("--plain-http-redirect", e.getMessage());
        }
        List<CertSpecs.Entry> entries = acme.split(CertSpecs.parse(certs));
        if (entries.isEmpty() && !acme.enabled()) {
            throw new UsageException("give --cert NAME=CERT[,KEY] (or --acme with names to manage)");
        }
        acme.create();
        List<CertSpecs.Entry> stapled = new ArrayList<>(entries);
        stapled.addAll(acme.entries());
        ocsp.check(stapled);
        try {
            fleet.start(metrics);
        } catch (TlsException | RuntimeException e) {
            fleet.close();
            throw e;
        }
        SniReloader mapping;
        try {
            mapping = SniReloader.create(() -> load(entries));
        } catch (TlsException | RuntimeException e) {
            fleet.close();
            throw e;
        }
        if (metrics.on()) {
            metrics.binder().monitor(mapping);
        }
        mapping.onReload(e -> {
            synchronized (out) {
                out.println(e.isSuccess() ? "reloaded certificates" : "reload failed, old certificates kept: "
                        + e.cause().getMessage() + " [" + e.code().id() + "]");
                out.flush();
            }
        });

        Transport transport = transportOption.transport();
        ExecutorService resolver = echo ? null : Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "serve-upstream-resolver");
            t.setDaemon(true);
            return t;
        });
        LineLog connections = new LineLog(out, "serve-log");
        TlsTerminatingProxy proxy;
        try {
            proxy = echo ? null : upstream.proxy(transport, resolver, connections);
        } catch (TlsException | RuntimeException e) {
            connections.close();
            throw e;
        }
        out.println("transport: " + transport.describe());
        if (fleet.on()) {
            out.println(fleet.describe());
        }
        EventLoopGroup group = transport.newGroup();
        ScheduledExecutorService watcher = watchSeconds == null ? null : Executors.newSingleThreadScheduledExecutor();
        try {
            ocsp.start(group, transport.socketChannel(), line -> {
                synchronized (out) {
                    out.println(line);
                    out.flush();
                }
            }, metrics.on() ? metrics.binder().staplerListener() : e -> { }, fleet.on() ? fleet.fleet().stapleStore() : null);
            if (metrics.on() && ocsp.stapler() != null) {
                metrics.binder().monitor(ocsp.stapler());
            }
            String metricsAt = metrics.start();
            if (metricsAt != null) {
                synchronized (out) {
                    out.println(metricsAt);
                    out.flush();
                }
            }
            SniSelectorOptions.Builder selector = acme.selectorOptions(SniSelectorOptions.builder());
            if (metrics.on()) {
                selector.observer(metrics.binder());
            }
            SniSelectorOptions selectorOptions = selector.build();
            boolean json = logFormat.equals("json");
            if (watcher != null) {
                mapping.watch(watcher, Duration.ofSeconds(Math.max(1, watchSeconds)), CertSpecs.files(entries).toArray(new Path[0]));
            }
            AtomicInteger closed = new AtomicInteger();
            Listeners[] server = new Listeners[1];
            ServerBootstrap bootstrap = new ServerBootstrap().channel(transport.serverChannel())
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, proxy != null)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SniCertSelector.install(ch.pipeline(), mapping, selectorOptions);
                            if (proxy != null) {
                                // Takes every read, so SniEchoHandler only reports the connection.
                                ch.pipeline().addLast(proxy.newFrontend());
                            }
                            ch.pipeline().addLast(new SniEchoHandler(connections, json));
                            ch.closeFuture().addListener(f -> {
                                if (naccept != null && closed.incrementAndGet() >= naccept) {
                                    server[0].close();
                                }
                            });
                        }
                    });
            server[0] = Listeners.bind(bootstrap, transport, group, listen.host(), listen.port());
            synchronized (out) {
                out.println("listening on " + HostPort.of(server[0].localAddress()));
                out.flush();
            }
            acme.start(group, transport.serverChannel(), mapping, line -> {
                synchronized (out) {
                    out.println(line);
                    out.flush();
                }
            });
            server[0].awaitClosed();
            return Main.OK;
        } finally {
            acme.close();
            mapping.close();
            ocsp.close();
            metrics.close();
            fleet.close();
            if (watcher != null) {
                watcher.shutdownNow();
            }
            if (resolver != null) {
                resolver.shutdownNow();
            }
            group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            connections.close();
        }
    }
}
