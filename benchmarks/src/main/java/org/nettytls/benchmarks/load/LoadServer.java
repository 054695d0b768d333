package org.nettytls.benchmarks.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.benchmarks.GoodResponse;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.transport.Transport;

/**
 * The JVM servers that {@code benchmarks/run-load.sh} compares, each an {@link HttpResponder} on
 * one event loop of the transport {@link #TRANSPORT} names, bound to 127.0.0.1:
 * <ul>
 * <li>{@code plain PORT RESUME_PORT PKI_DIR}: Netty's own {@code SslHandler} from
 *     {@code SslContextBuilder} with BoringSSL, nothing else: the baseline (a).
 * <li>{@code netty-tls PORT RESUME_PORT PKI_DIR OCSP_PORT}: the same responder behind netty-tls (b):
 *     {@link SniCertSelector} over an {@link SniMapping} of 100 names, the {@code SslHandler} of the
 *     selected {@link TlsServerContext} with {@code TlsFailureEvents}, and an OCSP staple on every
 *     handshake from {@link OcspStapler} (wired through {@link SniSelectorOptions#onHandler()},
 *     as the demo does), fed by an in-process {@link OcspResponder} on OCSP_PORT.
 * <li>{@code backend PORT}: the responder without TLS, the upstream of the relay comparison.
 * <li>{@code relay PORT PKI_DIR UPSTREAM_PORT}: {@link MinimalRelay}, plain Netty's TLS-terminating
 *     relay to the backend on UPSTREAM_PORT: the relay comparison's baseline.
 * <li>{@code pki DIR OCSP_PORT}: writes an ECDSA P-256 CA and a {@code localhost} server
 *     certificate whose OCSP URL is {@code http://127.0.0.1:OCSP_PORT/} ({@code ca.pem},
 *     {@code server.pem}, {@code server.key}) and a good OCSP response for it
 *     ({@code server.ocsp}, signed by the CA, valid for a day).
 * </ul>
 * PORT has session resumption off (no session cache; the script starts the JVM with
 * {@code -Djdk.tls.server.enableSessionTicketExtension=false}, so no tickets either): every
 * handshake is a full one. RESUME_PORT is the same server with the session cache on, for the
 * TLS 1.2 resumption case only. Both servers list the groups X25519 and P-256, in that order.
 *
 * <p>Reads commands on stdin: {@code mem} prints {@code mem conns=N heap=B direct=B rss=B} (see
 * {@link MemoryUse}); end of input stops the server, so that it never outlives the harness.
 * Prints {@code listening on 127.0.0.1:PORT} when ready.
 */
public final class LoadServer {
    /**
     * X25519 for the key exchange, and P-256 too: a TLS 1.2 handshake may use an ECDSA P-256
     * certificate only if both sides list P-256 among their groups (RFC 8422 5.1).
     */
    static final String[] GROUPS = {"X25519", "P-256"};

    /**
     * The harness's transport for every JVM it starts: {@code -Dnetty-tls.transport=auto|io_uring|epoll|nio}
     * ({@link Transport#named}; {@code auto} when not set).
     */
    static final Transport TRANSPORT = transport();

    private LoadServer() {
    }

    private static Transport transport() {
        try {
            return Transport.named(System.getProperty("netty-tls.transport", "auto"));
        } catch (org.nettytls.TlsException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("pki")) {
            writePki(Path.of(args[1]), Integer.parseInt(args[2]));
            return;
        }
        String mode = args.length > 0 ? args[0] : "";
        if (!(mode.equals("backend") && args.length == 2 || mode.equals("plain") && args.length == 4
                || mode.equals("netty-tls") && args.length == 5 || mode.equals("relay") && args.length == 4)) {
            System.err.println("usage: LoadServer plain PORT RESUME_PORT PKI_DIR | netty-tls PORT RESUME_PORT PKI_DIR OCSP_PORT"
                    + " | backend PORT | relay PORT PKI_DIR UPSTREAM_PORT | pki DIR OCSP_PORT");
            System.exit(2);
        }
        if (!OpenSsl.isAvailable()) {
            throw new IllegalStateException("BoringSSL is required: " + OpenSsl.unavailabilityCause());
        }
        EventLoopGroup group = TRANSPORT.newGroup(1);
        try {
            serve(group, mode, args);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static void serve(EventLoopGroup group, String mode, String[] args) throws Exception {
        AtomicInteger open = new AtomicInteger();
        int port = Integer.parseInt(args[1]);
        switch (mode) {
            case "backend":
                bind(group, port, open, ch -> ch.pipeline().addLast(new HttpResponder()));
                break;
            case "relay":
                bind(group, port, open, MinimalRelay.pipeline(sslContext(Path.of(args[2]), false), Integer.parseInt(args[3])));
                break;
            case "plain": {
                Path pki = Path.of(args[3]);
                bind(group, port, open, plain(pki, false));
                bind(group, Integer.parseInt(args[2]), open, plain(pki, true));
                break;
            }
            default: {
                Path pki = Path.of(args[3]);
                OcspResponder.start(group, Integer.parseInt(args[4]), Files.readAllBytes(pki.resolve("server.ocsp")));
                OcspStapler stapler = OcspStapler.builder(group).channelType(TRANSPORT.socketChannel())
                        .certificate(List.of(certificate(pki.resolve("server.pem")), certificate(pki.resolve("ca.pem"))))
                        .start();
                if (!stapler.ready().await(10, TimeUnit.SECONDS) || stapler.currentStaple(certificate(pki.resolve("server.pem"))) == null) {
                    throw new IllegalStateException("the OCSP stapler has no good staple after 10 s: "
                            + stapler.status(certificate(pki.resolve("server.pem"))));
                }
                bind(group, port, open, nettyTls(pki, stapler, false));
                bind(group, Integer.parseInt(args[2]), open, nettyTls(pki, stapler, true));
                break;
            }
        }
        System.out.println("listening on 127.0.0.1:" + port + " (" + mode + ", " + OpenSsl.versionString() + ", transport "
                + TRANSPORT.describe() + ")");
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = commands.readLine()) != null; ) {
            if (line.trim().equals("mem")) {
                System.out.println("mem conns=" + open.get() + " " + MemoryUse.now());
            } else {
                System.out.println("unknown command: " + line);
            }
            System.out.flush();
        }
    }

    /** Baseline (a): Netty's SslHandler alone. */
    private static Consumer<SocketChannel> plain(Path pki, boolean resumption) throws Exception {
        SslContext ssl = sslContext(pki, resumption);
        return ch -> ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new HttpResponder());
    }

    /** Netty's own BoringSSL server context for the PKI's certificate, session cache on or off. */
    private static SslContext sslContext(Path pki, boolean resumption) throws Exception {
        SslContext ssl = SslContextBuilder.forServer(pki.resolve("server.pem").toFile(), pki.resolve("server.key").toFile())
                .sslProvider(SslProvider.OPENSSL).option(OpenSslContextOption.GROUPS, GROUPS).build();
        ((OpenSslSessionContext) ssl.sessionContext()).setSessionCacheEnabled(resumption);
        return ssl;
    }

    /** Full stack (b): 100 SNI names, the selected context's SslHandler, a staple on every handshake. */
    private static Consumer<SocketChannel> nettyTls(Path pki, OcspStapler stapler, boolean resumption) throws Exception {
        TlsServerContext context = TlsServerContext.create(TlsServerOptions.builder()
                .certificateFile(pki.resolve("server.pem"), pki.resolve("server.key"))
                .ocspStapling(true).ecdhCurve(String.join(":", GROUPS)).build());
        ((OpenSslSessionContext) context.sslContext().sessionContext()).setSessionCacheEnabled(resumption);
        SniMapping.Builder names = SniMapping.builder().add("localhost", context);
        for (int i = 1; i < 100; i++) {
            names.add("host" + i + ".bench.test", context);
        }
        SniMapping mapping = names.build();
        SniSelectorOptions options = SniSelectorOptions.builder()
                .onHandler((handler, selected) -> stapler.staple(handler, selected.options().keyMaterial().leaf()))
                .build();
        return ch -> {
            SniCertSelector.install(ch.pipeline(), mapping, options);
            ch.pipeline().addLast(new HttpResponder());
        };
    }

    private static void bind(EventLoopGroup group, int port, AtomicInteger open, Consumer<SocketChannel> pipeline)
            throws InterruptedException {
        new ServerBootstrap().group(group).channel(TRANSPORT.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        pipeline.accept(ch);
                    }
                })
                .bind("127.0.0.1", port).sync();
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static void writePki(Path dir, int ocspPort) throws Exception {
        Files.createDirectories(dir);
        HeldCertificate ca = HeldCertificate.builder().commonName("netty-tls bench CA").certificateAuthority(0)
                .ec("secp256r1").build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost")
                .ip("127.0.0.1").ec("secp256r1").ocspUrl("http://127.0.0.1:" + ocspPort + "/").signedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("server.pem"), server.certificatePem());
        Files.writeString(dir.resolve("server.key"), server.privateKeyPem());
        Files.write(dir.resolve("server.ocsp"), GoodResponse.of(server.certificate(), ca));
        System.out.println("wrote " + List.of("ca.pem", "server.pem", "server.key", "server.ocsp") + " to " + dir);
    }
}
