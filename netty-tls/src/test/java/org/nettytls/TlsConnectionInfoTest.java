package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.SubjectAltName;
import org.nettytls.testing.Interop;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.HostnameVerification;
import org.nettytls.verify.PublicSuffix;
import org.nettytls.testing.Processes;

class TlsConnectionInfoTest {
    private static HeldCertificate root;
    private static HeldCertificate ca;
    private static HeldCertificate server;
    private static HeldCertificate client;

    private EventLoopGroup group;
    private Channel serverChannel;
    private final CompletableFuture<TlsConnectionInfo> serverInfo = new CompletableFuture<>();
    private final List<SslContext> contexts = new java.util.ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().subject("O=Info Test,CN=Info Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().commonName("Info CA").certificateAuthority(0).signedBy(root).build();
        server = HeldCertificate.builder().subject("O=Info Test,CN=server.test").dns("server.test").ip("127.0.0.1")
                .signedBy(ca).build();
        client = HeldCertificate.builder().commonName("client.test").email("client@client.test").signedBy(ca).build();
    }

    @BeforeEach
    void group() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void shutdown() throws Exception {
        if (serverChannel != null) {
            serverChannel.close().sync();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        contexts.forEach(ReferenceCountUtil::release);
    }

    @Test
    void tls13WithAlpnAndSni() throws Exception {
        start(serverContext(null, false));
        Conn c = connect(clientContext(null, false, true), "server.test");
        TlsConnectionInfo info = c.info;
        assertEquals("TLSv1.3", info.protocol());
        assertEquals("TLSv1_3", info.tlsVersion().referenceName());
        assertEquals(0x0304, info.tlsVersion().wireVersion());
        assertTrue(info.cipher().matches("TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)"),
                info.cipher());
        assertEquals(info.cipher(), info.javaCipher(), "TLS 1.3 suites have one name");
        assertEquals(Optional.of(false), info.sessionReused());
        assertEquals("h2", info.alpn());
        assertEquals("server.test", info.serverName());
        assertPeerIsServer(info);
        assertNull(info.localCertificate(), "the client sent no certificate");
        assertEquals(Optional.empty(), info.ocspStatus());

        TlsConnectionInfo s = serverInfo.get(10, TimeUnit.SECONDS);
        assertEquals("server.test", s.serverName(), "the server sees the name the client asked for");
        assertEquals("h2", s.alpn());
        assertEquals(info.cipher(), s.cipher());
        assertEquals(server.chain(), s.localCertificates());
        assertNull(s.peerCertificate());
        assertEquals(List.of(), s.subjectAltNames());
        TlsException e = assertThrows(TlsException.class, s::fingerprint);
        assertEquals(TlsErrorCode.PEER_CERT_MISSING, e.code());

        assertEquals(String.join("\n",
                "Subject Name: /O=Info Test/CN=server.test",
                "Issuer  Name: /CN=Info CA",
                "Common Name: server.test",
                "SubjectAltNames: DNS:server.test, IP:127.0.0.1",
                "Fingerprint: " + info.fingerprint(),
                "Peer chain: 2 certificate(s)",
                "  0: /O=Info Test/CN=server.test",
                "  1: /CN=Info CA",
                "Own certificate: (none)",
                "Version: TLSv1_3 (0x0304)",
                "Cipher: " + info.cipher(),
                "Session reused: no",
                "Server name: server.test",
                "ALPN: h2",
                "Key exchange group: X25519MLKEM768",
                "Verification: (not checked)",
                "OCSP status: (not checked)",
                ""), info.describe());
        c.close();
    }

    @Test
    void tls12WithClientCertificateNoSniNoAlpn() throws Exception {
        start(serverContext("TLSv1.2", true));
        Conn c = connect(clientContext("TLSv1.2", true, false), null);
        TlsConnectionInfo info = c.info;
        assertEquals("TLSv1.2", info.protocol());
        assertEquals("TLSv1_2", info.tlsVersion().referenceName());
        assertEquals(0x0303, info.tlsVersion().wireVersion());
        assertEquals("ECDHE-ECDSA-AES128-GCM-SHA256", info.cipher());
        assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", info.javaCipher());
        assertEquals(Optional.of(false), info.sessionReused());
        assertNull(info.alpn());
        assertNull(info.serverName(), "no SNI is sent to an IP literal");
        assertPeerIsServer(info);
        assertEquals(client.chain(), info.localCertificates());

        TlsConnectionInfo s = serverInfo.get(10, TimeUnit.SECONDS);
        assertNull(s.serverName());
        assertEquals("client.test", s.commonName());
        assertEquals("/CN=client.test", s.subject());
        assertEquals(List.of(SubjectAltName.email("client@client.test")), s.subjectAltNames());
        assertEquals(client.chain(), s.peerCertificates());
        assertEquals(client.certificate(), s.peerCertificate());
        assertTrue(s.describe().contains("Subject Name: /CN=client.test\n"), s.describe());
        assertTrue(s.describe().contains("Own certificate: /O=Info Test/CN=server.test\n"), s.describe());
        c.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void resumedSessionIsReported(String protocol) throws Exception {
        start(serverContext(protocol, false));
        SslContext ctx = clientContext(protocol, false, false);
        Conn first = connect(ctx, "server.test");
        first.close();
        Conn second = connect(ctx, "server.test");
        assertEquals(Optional.of(true), second.info.sessionReused());
        assertTrue(second.info.describe().contains("Session reused: yes\n"));
        assertEquals(server.certificate(), second.info.peerCertificate(), "a resumed session still knows its peer");
        second.close();
    }

    @Test
    void verifyHostnameChecksAnyNameOnDemand() throws Exception {
        start(serverContext("TLSv1.2", true));
        Conn c = connect(clientContext("TLSv1.2", true, false), null);
        TlsConnectionInfo info = c.info;
        assertTrue(info.verifyHostname("server.test", "http"));
        assertTrue(info.verifyHostname("SERVER.test.", "smtp"), "case and a trailing dot do not matter");
        assertTrue(info.verifyHostname("127.0.0.1", "http"), "an address is compared with the iPAddress SAN");
        assertFalse(info.verifyHostname("other.test", "http"));
        assertFalse(info.verifyHostname("127.0.0.2", "default"));
        assertTrue(info.verifyHostname("anything.example", HostnameScheme.NONE));

        HostnameVerification.Result r = info.checkHostname("other.test", HostnameScheme.named("http"), PublicSuffix.none());
        assertFalse(r.matched());
        assertTrue(r.describe().contains("'other.test'") && r.describe().contains("DNS:server.test"), r.describe());
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, r.toException().code());

        TlsException unknown = assertThrows(TlsException.class, () -> info.verifyHostname("server.test", "htttp"));
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, unknown.code());
        assertTrue(unknown.getMessage().contains("htttp"), unknown.getMessage());

        // The server's view: a client certificate with only CN=client.test and an email SAN.
        TlsConnectionInfo s = serverInfo.get(10, TimeUnit.SECONDS);
        assertTrue(s.verifyHostname("client.test", "http"), "no dNSName SAN: http falls back to the CN");
        HostnameScheme noCn = HostnameScheme.builder().name("no-cn").wildcardsInAlt(HostnameScheme.Wildcards.FULL_LABEL).build();
        assertFalse(s.verifyHostname("client.test", noCn), "a scheme that never reads the CN");
        c.close();
    }

    @Test
    void verifyHostnameNeedsAPeerCertificate() throws Exception {
        start(serverContext("TLSv1.3", false));
        Conn c = connect(clientContext("TLSv1.3", false, false), "server.test");
        TlsConnectionInfo s = serverInfo.get(10, TimeUnit.SECONDS);
        TlsException e = assertThrows(TlsException.class, () -> s.verifyHostname("client.test", "default"));
        assertEquals(TlsErrorCode.PEER_CERT_MISSING, e.code());
        assertTrue(e.getMessage().startsWith("verify hostname:"), e.getMessage());
        c.close();
    }

    @Test
    void fingerprintsAgreeWithOpenssl() throws Exception {
        String openssl = Interop.require("openssl");
        start(serverContext(null, false));
        Conn c = connect(clientContext(null, false, false), null);
        Files.writeString(dir.resolve("server.pem"), server.certificatePem());
        for (String algo : List.of("sha256", "sha1", "md5")) {
            String out = Processes.run(dir, openssl, "x509", "-noout", "-fingerprint", "-" + algo, "-in", "server.pem")
                    .expectSuccess().stdout.trim();
            String hex = out.substring(out.indexOf('=') + 1).replace(":", "").toLowerCase(Locale.ROOT);
            assertEquals(algo + "$" + hex, c.info.fingerprint(algo, false));
            assertArrayEquals(HexFormat.of().parseHex(hex), c.info.fingerprintBinary(algo, false));
        }
        assertTrue(c.info.fingerprint("sha256", true).startsWith("sha256$pub$"));
        c.close();
    }

    @Test
    void refusesChannelsWithoutFinishedTls() throws Exception {
        EmbeddedChannel plain = new EmbeddedChannel();
        try {
            assertEquals(TlsErrorCode.BAD_CONFIGURATION,
                    assertThrows(TlsException.class, () -> TlsConnectionInfo.of(plain)).code());
        } finally {
            plain.finishAndReleaseAll();
        }
        SslContext ctx = clientContext(null, false, false);
        EmbeddedChannel pending = new EmbeddedChannel(ctx.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT));
        try {
            TlsException e = assertThrows(TlsException.class, () -> TlsConnectionInfo.of(pending));
            assertTrue(e.getMessage().contains("not finished"), e.getMessage());
        } finally {
            pending.finishAndReleaseAll();
            ReferenceCountUtil.release(ctx);
        }
    }

    @Test
    void javaCipherNamesConvertForEnginesThatHideTheNativeName() {
        assertEquals("ECDHE-RSA-AES128-GCM-SHA256",
                TlsConnectionInfo.openSslCipherName("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assertEquals("TLS_AES_256_GCM_SHA384", TlsConnectionInfo.openSslCipherName("TLS_AES_256_GCM_SHA384"));
    }

    private static void assertPeerIsServer(TlsConnectionInfo info) {
        assertEquals(server.certificate(), info.peerCertificate());
        assertEquals(List.of(server.certificate(), ca.certificate()), info.peerCertificates());
        assertEquals("/O=Info Test/CN=server.test", info.subject());
        assertEquals("/CN=Info CA", info.issuer());
        assertEquals("server.test", info.commonName());
        assertEquals(List.of(SubjectAltName.dns("server.test"), SubjectAltName.ip("127.0.0.1")), info.subjectAltNames());
    }

    private static SslContext serverContext(String protocol, boolean requireClientCert) throws Exception {
        SslContextBuilder b = SslContextBuilder.forServer(server.privateKey(), server.chain().toArray(new X509Certificate[0]))
                .sslProvider(SslProvider.OPENSSL)
                .applicationProtocolConfig(alpn());
        if (protocol != null) {
            b.protocols(protocol);
        }
        if (requireClientCert) {
            b.clientAuth(ClientAuth.REQUIRE).trustManager(root.certificate());
        }
        return b.build();
    }

    private static SslContext clientContext(String protocol, boolean withCertificate, boolean withAlpn) throws Exception {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(root.certificate()).endpointIdentificationAlgorithm(null);
        if ("TLSv1.2".equals(protocol)) {
            // One suite, so the test knows both of its names.
            b.protocols(protocol).ciphers(List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        } else if (protocol != null) {
            b.protocols(protocol);
        }
        if (withCertificate) {
            b.keyManager(client.privateKey(), client.chain().toArray(new X509Certificate[0]));
        }
        if (withAlpn) {
            b.applicationProtocolConfig(alpn());
        }
        return b.build();
    }

    private static ApplicationProtocolConfig alpn() {
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2", "http/1.1");
    }

    /** A server that records its connection info and then writes one line, so TLS 1.3 tickets reach the client. */
    private void start(SslContext ctx) throws Exception {
        serverChannel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(ctx.newHandler(ch.alloc()), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext c, Object evt) throws Exception {
                                if (evt instanceof SslHandshakeCompletionEvent) {
                                    try {
                                        serverInfo.complete(TlsConnectionInfo.of(c.channel()));
                                    } catch (TlsException e) {
                                        serverInfo.completeExceptionally(e);
                                    }
                                    c.writeAndFlush(Unpooled.copiedBuffer("hello\n", StandardCharsets.US_ASCII));
                                }
                                super.userEventTriggered(c, evt);
                            }
                        });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        contexts.add(ctx);
    }

    private Conn connect(SslContext ctx, String sni) throws Exception {
        if (!contexts.contains(ctx)) {
            contexts.add(ctx);
        }
        int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        CompletableFuture<TlsConnectionInfo> info = new CompletableFuture<>();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler h = sni == null ? ctx.newHandler(ch.alloc(), "127.0.0.1", port)
                                : ctx.newHandler(ch.alloc(), sni, port);
                        ch.pipeline().addLast(h, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext c, Object msg) {
                                // The server's greeting arrives after the session tickets; only then is the session cached.
                                ByteBuf b = (ByteBuf) msg;
                                try {
                                    if (b.toString(StandardCharsets.US_ASCII).contains("\n")) {
                                        info.complete(TlsConnectionInfo.of(c.channel()));
                                    }
                                } catch (TlsException e) {
                                    info.completeExceptionally(e);
                                } finally {
                                    b.release();
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                                info.completeExceptionally(cause);
                                c.close();
                            }
                        });
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
        return new Conn(ch, info.get(10, TimeUnit.SECONDS));
    }

    private static final class Conn {
        final Channel channel;
        final TlsConnectionInfo info;

        Conn(Channel channel, TlsConnectionInfo info) {
            this.channel = channel;
            this.info = info;
        }

        void close() throws InterruptedException {
            channel.close().sync();
        }
    }
}
