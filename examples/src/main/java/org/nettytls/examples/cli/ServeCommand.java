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
import org.nettytls.TlsException;
import org.nettytls.TlsFailureEvent;
import org.nettytls.VerifyMode;
import org.nettytls.examples.proxy.TlsTerminatingProxy;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.examples.serve.SniEchoHandler;
import org.nettytls.examples.proxy.Transport;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.trap.ErrorTrapHandler;
import org.nettytls.trap.PlainHttpAnswer;
import org.nettytls.sni.SniCompletionEvent;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniReloader;
import org.nettytls.sni.SniSelectorOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code serve}: a TLS server that picks its certificate by the name the client asks for, with
 * RSA and ECDSA certificates per name, as IO::Socket::SSL's {@code SSL_cert_file => { ... }}.
 */
@Command(name = "serve", description = {
    "Serve TLS with certificates chosen by server name (SNI).",
    "--cert NAME=CERT[,KEY] per name (repeatable): 'default=' for clients with no or an unknown name,",
    "'*.example.org=' for a wildcard, 'NAME%%ecc=' for a second certificate of another key type,",
    "which goes to clients that can verify it. Prints 'listening on HOST:PORT' when ready,",
    "and one line per connection with the name asked for and the certificate sent.",
    "With --upstream HOST:PORT it is a TLS-terminating proxy: each client's decrypted bytes go to",
    "HOST:PORT with backpressure and half-close, optionally over verified TLS (--upstream-tls) and",
    "after a PROXY protocol v2 header (--proxy-protocol); one line per closed relay says how it went.",
    "With --ocsp-staple every certificate (each name's, each key type's, the default's) is stapled",
    "with its own OCSP response, fetched before accepting and refreshed; 'ocsp:' lines say what",
    "was fetched, refreshed or failed, and which certificates go out unstapled; with --watch a",
    "renewed certificate is fetched for when its file is reloaded, and stapled once answered.",
    "With --acme DIRECTORY_URL the certificates of --cert NAME=acme[:KEYS] and --acme-domain NAME come from",
    "that ACME server (tls-alpn-01 answered on this port, or http-01 with --acme-http) and are renewed",
    "and reloaded without a restart; 'acme:' lines say what was ordered, validated, issued, renewed or failed."},
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
    String listen;

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

    @Option(names = "--echo", description = "Echo what clients send.")
    boolean echo;

    @Mixin
    UpstreamOptions upstream;

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

    private SniMapping load(List<CertSpecs.Entry> entries) throws TlsException {
        java.util.function.UnaryOperator<org.nettytls.TlsServerOptions.Builder> settings = o -> {
            o.alpnProtocols(alpn).sessionTickets(sessionTickets).certificateCompression(!compression.off);
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
            throw new ParameterException(spec.commandLine(), "give either --echo or --upstream HOST:PORT");
        }
        if (verifyClient && clientCa == null) {
            throw new ParameterException(spec.commandLine(), "--verify-client needs --client-ca");
        }
        org.nettytls.examples.proxy.HostPort at;
        try {
            at = org.nettytls.examples.proxy.HostPort.parse(listen);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--listen: " + e.getMessage());
        }
        String host = at.host();
        int port = at.port();
        List<CertSpecs.Entry> entries = acme.split(spec, CertSpecs.parse(spec.commandLine(), certs));
        if (entries.isEmpty() && !acme.enabled()) {
            throw new ParameterException(spec.commandLine(), "give --cert NAME=CERT[,KEY] (or --acme with names to manage)");
        }
        acme.create(spec);
        List<CertSpecs.Entry> stapled = new ArrayList<>(entries);
        stapled.addAll(acme.entries());
        ocsp.check(spec, stapled);
        SniReloader mapping = SniReloader.create(() -> load(entries));
        mapping.onReload(e -> {
            synchronized (out) {
                out.println(e.isSuccess() ? "reloaded certificates" : "reload failed, old certificates kept: "
                        + e.cause().getMessage() + " [" + e.code().id() + "]");
                out.flush();
            }
        });

        Transport transport = Transport.detect();
        ExecutorService resolver = echo ? null : Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "serve-upstream-resolver");
            t.setDaemon(true);
            return t;
        });
        LineLog connections = new LineLog(out, "serve-log");
        TlsTerminatingProxy proxy;
        try {
            proxy = echo ? null : upstream.proxy(spec, transport, resolver, connections);
        } catch (TlsException | RuntimeException e) {
            connections.close();
            throw e;
        }
        out.println("transport: " + transport.describe());
        EventLoopGroup group = transport.newGroup();
        ScheduledExecutorService watcher = watchSeconds == null ? null : Executors.newSingleThreadScheduledExecutor();
        try {
            ocsp.start(group, transport.socketChannel(), line -> {
                synchronized (out) {
                    out.println(line);
                    out.flush();
                }
            });
            if (watcher != null) {
                mapping.watch(watcher, Duration.ofSeconds(Math.max(1, watchSeconds)), CertSpecs.files(entries).toArray(new Path[0]));
            }
            PlainHttpAnswer trap;
            try {
                trap = plainHttpRedirect == null ? null : PlainHttpAnswer.redirectTo(plainHttpRedirect);
            } catch (IllegalArgumentException e) {
                throw TlsException.badConfiguration("--plain-http-redirect", e.getMessage());
            }
            SniSelectorOptions selector = acme.selectorOptions();
            AtomicInteger closed = new AtomicInteger();
            Channel[] server = new Channel[1];
            server[0] = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, proxy != null)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (trap != null) {
                                ch.pipeline().addLast("tls-error-trap", new ErrorTrapHandler(trap));
                            }
                            SniCertSelector.install(ch.pipeline(), mapping, selector);
                            if (proxy != null) {
                                // Takes every read, so SniEchoHandler only reports the connection.
                                ch.pipeline().addLast(proxy.newFrontend());
                            }
                            ch.pipeline().addLast(new SniEchoHandler(connections));
                            ch.closeFuture().addListener(f -> {
                                if (naccept != null && closed.incrementAndGet() >= naccept) {
                                    server[0].close();
                                }
                            });
                        }
                    }).bind(host, port).sync().channel();
            InetSocketAddress bound = (InetSocketAddress) server[0].localAddress();
            synchronized (out) {
                out.println("listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
                out.flush();
            }
            acme.start(spec, group, transport.serverChannel(), mapping, line -> {
                synchronized (out) {
                    out.println(line);
                    out.flush();
                }
            });
            server[0].closeFuture().sync();
            return Main.OK;
        } finally {
            acme.close();
            mapping.close();
            ocsp.close();
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
