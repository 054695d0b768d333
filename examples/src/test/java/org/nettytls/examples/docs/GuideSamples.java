package org.nettytls.examples.docs;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.nettytls.ClientSessionCache;
import org.nettytls.HostnameSchemeVerifier;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.VerifyMode;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.cert.PasswordCallback;
import org.nettytls.metrics.TlsMetrics;
import org.nettytls.ocsp.OcspClientConfig;
import org.nettytls.ocsp.OcspMode;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.session.TicketKeyRing;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniReloader;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.starttls.StartTlsServer;
import org.nettytls.starttls.StopTlsHandler;
import org.nettytls.trap.PlainHttpAnswer;
import org.nettytls.verify.HostnameScheme;

/**
 * The code of the pages under docs/, compiled by the build; {@code DocSnippetsTest} checks each
 * page's java blocks against the regions between the tag comments. Parameters stand for what a
 * page's text says the reader already has.
 */
@SuppressWarnings("unused")
final class GuideSamples {
    private GuideSamples() {
    }

    static final class MyHandler extends ChannelInboundHandlerAdapter {
    }

    static void firstClientAndServer(Bootstrap bootstrap) throws Exception {
        // tag::first-client-and-server[]
        // Client: verifies the server's chain against the CA file, inside the handshake.
        TlsClientContext tls = TlsClientContext.create(
                TlsClientOptions.builder().caFile(Path.of("ca.pem")).build());
        bootstrap.handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) throws Exception {
                tls.install(ch.pipeline(), "example.org", 443);   // SslHandler, failure events, identity gates
                ch.pipeline().addLast(new MyHandler());
            }
        });

        // Server: certificate and key from any format; ask for client certificates if you want them.
        TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder()
                .certificateFile(Path.of("server.p12"))             // key in the same file
                .passwordCallback(PasswordCallback.of("secret"))
                .verifyMode(VerifyMode.REQUIRE).caFile(Path.of("clients-ca.pem"))
                .build());
        // end::first-client-and-server[]
    }

    static void heldCertificate() throws Exception {
        // tag::held-certificate[]
        HeldCertificate root = HeldCertificate.builder().commonName("Root").certificateAuthority(1).build();
        HeldCertificate ca = HeldCertificate.builder().commonName("CA").certificateAuthority(0).signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(ca).build();
        leaf.writeTo(Path.of("server"));   // server.pem (the chain) and server.key
        // end::held-certificate[]
    }

    static void hostnameSchemeVerifier(ChannelPipeline pipeline, SslContext jdkSslContext, ByteBufAllocator alloc,
            String host, int port, ChannelHandler app) throws Exception {
        // tag::hostname-scheme-verifier[]
        HostnameSchemeVerifier.Config http = HostnameSchemeVerifier.Config.builder().hostnameScheme(HostnameScheme.HTTP).build();
        pipeline.addLast(jdkSslContext.newHandler(alloc, host, port), new HostnameSchemeVerifier(http), app);
        // end::hostname-scheme-verifier[]
    }

    static void sessionCache(Path ca, Channel control, Channel data) throws Exception {
        // tag::client-session-cache[]
        ClientSessionCache sessions = ClientSessionCache.create(100);
        TlsClientContext ftps = TlsClientContext.create(TlsClientOptions.builder().caFile(ca).sessionCache(sessions).build());
        ftps.install(control.pipeline(), "ftp.example.org", 21, "ftp.example.org");
        ftps.install(data.pipeline(), "ftp.example.org", 50021, "ftp.example.org");   // resumes the control session
        // end::client-session-cache[]
    }

    static void ticketKeys(Path cert, Path key, ScheduledExecutorService scheduler) throws Exception {
        // tag::ticket-keys[]
        TicketKeyRing keys = TicketKeyRing.create(2);                      // or your own TicketKeySource
        TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder().certificateFile(cert, key)
                .ticketKeys(keys).errorTrap(PlainHttpAnswer.redirectTo("https://example.org")).build());
        scheduler.scheduleAtFixedRate(keys::rotate, 12, 12, TimeUnit.HOURS);
        // end::ticket-keys[]
    }

    static void sniMapping(EventLoopGroup group) throws Exception {
        // tag::sni-mapping[]
        SniMapping mapping = SniMapping.builder()
                .add("a.example.org", TlsServerOptions.builder().certificateFile(Path.of("a-rsa.pem"), Path.of("a-rsa.key"))
                        .addCertificate(CertificateLoader.keyMaterial(Path.of("a-ec.pem"), Path.of("a-ec.key"), null)).build())
                .add("b.example.org", TlsServerOptions.builder().certificateFile(Path.of("b.pem"), Path.of("b.key"))
                        .verifyMode(VerifyMode.REQUIRE).caFile(Path.of("clients-ca.pem")).build())   // mutual TLS here only
                .addDefault(TlsServerOptions.builder().certificateFile(Path.of("other.pem"), Path.of("other.key")).build())
                .build();
        new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
                        ch.pipeline().addLast(new MyHandler());
                    }
                }).bind(8443);
        // end::sni-mapping[]
    }

    static void startTlsHandler(ChannelPipeline pipeline, ChannelHandler smtpHandler, TlsServerContext tls) throws Exception {
        // tag::starttls-handler[]
        StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
        pipeline.addLast(starttls, new LineBasedFrameDecoder(1000), smtpHandler);
        // in smtpHandler, on "STARTTLS" (the reply goes out in plaintext, then TLS starts):
        starttls.startServer(tls, Unpooled.copiedBuffer("220 2.0.0 Ready to start TLS\r\n", US_ASCII));
        // on StartTlsEvent.UPGRADED: forget HELO, MAIL, RCPT and capabilities
        // later, to go back to plaintext after a close_notify exchange:
        starttls.stopTls(StopTlsHandler.Mode.WAIT, Duration.ofSeconds(10));
        // end::starttls-handler[]
    }

    static void startTlsProtocol(TlsClientOptions options, ChannelPipeline pipeline, ChannelHandler imapHandler,
            TlsServerContext serverTls) throws Exception {
        // tag::starttls-protocol[]
        StartTlsProtocol p = StartTlsProtocol.IMAP;               // or SMTP, LMTP, POP3, FTP, XMPP, LDAP, POSTGRES, SIEVE, NNTP
        TlsClientContext tls = TlsClientContext.create(options, p.hostnameScheme());
        StartTlsClient client = new StartTlsClient(p, tls, "mail.example.org", 143);
        pipeline.addLast(new StartTlsHandler(p.clientFraming()), client, imapHandler);
        client.upgradeFuture();                                    // TLS on and verified, or a TlsException

        // server side: answers the protocol's command (A STARTTLS, STLS, AUTH TLS, <starttls/>, the LDAP
        // extended operation, SSLRequest, ...) and starts TLS; every other frame goes on
        pipeline.addLast(new StartTlsHandler(p.serverFraming()), new StartTlsServer(p, serverTls), imapHandler);
        // end::starttls-protocol[]
    }

    static void ocspClient(Path ca, Channel ch, String host, int port) throws Exception {
        // tag::ocsp-client[]
        OcspClientConfig ocsp = OcspClientConfig.builder().mode(OcspMode.MUST_STAPLE).build();
        TlsClientContext tls = TlsClientContext.create(ocsp.applyTo(TlsClientOptions.builder().caFile(ca)).build());
        // per connection, direct TLS and STARTTLS alike: the options carry the staple checks
        tls.install(ch.pipeline(), host, port);       // or StartTlsClient / StartTlsHandler.startClient
        // end::ocsp-client[]
    }

    static void ocspStapling(EventLoopGroup group, List<X509Certificate> rsaChain, List<X509Certificate> ecChain,
            KeyMaterial rsa, KeyMaterial ec) throws Exception {
        // tag::ocsp-stapling-sni[]
        OcspStapler stapler = OcspStapler.builder(group).start();
        SniMapping mapping = SniMapping.builder()
                .add("www.example.org", stapler.applyTo(TlsServerOptions.builder().certificate(rsa).addCertificate(ec)))
                .build();
        stapler.ready().await(10, TimeUnit.SECONDS);   // first fetches done; until then handshakes go out unstapled
        // end::ocsp-stapling-sni[]
    }

    static void metrics(MeterRegistry registry, EventLoopGroup group, List<X509Certificate> chain, SniReloader sniReloader)
            throws Exception {
        // tag::metrics[]
        TlsMetrics metrics = TlsMetrics.of(registry);          // or TlsMetrics.create().bindTo(registry)
        TlsServerOptions.Builder server = TlsServerOptions.builder().observer(metrics);  // server handshakes
        TlsClientOptions.Builder client = TlsClientOptions.builder().observer(metrics);  // client handshakes, STARTTLS, OCSP/CRL verdicts
        SniSelectorOptions sni = SniSelectorOptions.builder().observer(metrics).build(); // SNI selections, the selector's failures
        OcspStapler stapler = OcspStapler.builder(group).certificate(chain).listener(metrics.staplerListener()).start();
        metrics.monitor(stapler);                               // staple age and status per certificate
        metrics.monitor(sniReloader);                           // expiry gauges and SNI names, refreshed on reload
        // end::metrics[]
    }
}
