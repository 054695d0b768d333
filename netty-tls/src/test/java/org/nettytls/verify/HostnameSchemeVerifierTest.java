package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipelineException;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.Fingerprint;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/**
 * {@link HostnameSchemeVerifier} behind SslHandlers that netty-tls did not build, over real
 * sockets on 127.0.0.1: what an application writes before the verdict never reaches a peer
 * that fails it.
 */
class HostnameSchemeVerifierTest {
    static HeldCertificate root;
    static HeldCertificate server;
    static HeldCertificate evil;
    static HeldCertificate client;
    static HeldCertificate mallory;
    static HostnameSchemeVerifier.Config http;
    static HeldCertificate wideRoot;

    final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws TlsException {
        root = HeldCertificate.builder().commonName("Test Root").certificateAuthority(0).build();
        server = HeldCertificate.builder().commonName("server.test").dns("server.test").signedBy(root).build();
        evil = HeldCertificate.builder().commonName("evil.test").dns("evil.test").signedBy(root).build();
        client = HeldCertificate.builder().commonName("client.test").dns("client.test").signedBy(root).build();
        mallory = HeldCertificate.builder().commonName("mallory.test").dns("mallory.test").signedBy(root).build();
        http = HostnameSchemeVerifier.Config.builder().verifycnScheme("http").build();
        wideRoot = HeldCertificate.builder().commonName("Test Root With Sub-CAs").certificateAuthority(1).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    /** In an {@link EarlyWriter}'s script: flush here. */
    static final String FLUSH = "<flush>";

    /**
     * Writes its script on channelActive, before any handshake can have finished (the peer's
     * answer cannot be read while this runs), and reports how the last write ended.
     */
    static final class EarlyWriter extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Throwable> written = new CompletableFuture<>();
        private final String[] script;

        EarlyWriter(String... script) {
            this.script = script;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            for (String step : script) {
                if (step.equals(FLUSH)) {
                    ctx.flush();
                } else {
                    ctx.write(Unpooled.copiedBuffer(step, StandardCharsets.UTF_8)).addListener(f -> written.complete(f.cause()));
                }
            }
            ctx.fireChannelActive();
        }

        Throwable awaitWritten() throws Exception {
            return written.get(20, TimeUnit.SECONDS);
        }
    }

    /** Records the writes and flushes that reach the SslHandler. */
    static final class OutboundProbe extends ChannelOutboundHandlerAdapter {
        final List<String> seen = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            synchronized (seen) {
                seen.add("write:" + ((ByteBuf) msg).toString(StandardCharsets.UTF_8));
            }
            ctx.write(msg, promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            synchronized (seen) {
                seen.add("flush");
            }
            ctx.flush();
        }

        List<String> seen() {
            synchronized (seen) {
                return List.copyOf(seen);
            }
        }
    }

    private int serve(HeldCertificate cert, CompletableFuture<Side> accepted) throws TlsException {
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial()).build());
        return loop.server(tls, accepted::complete);
    }

    /** A client context that checks the chain but, as endpoint identification is off, not the name. */
    private static SslContext plainClient(SslProvider provider) throws SSLException {
        return SslContextBuilder.forClient().sslProvider(provider).trustManager(root.certificate())
                .endpointIdentificationAlgorithm(null).build();
    }

    private Side connect(SslContext ssl, HostnameSchemeVerifier.Config config, EarlyWriter early, int port) {
        return loop.client(ch -> ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "server.test", port),
                new HostnameSchemeVerifier(config), early), port);
    }

    private static TlsException tlsException(Throwable t) {
        TlsException e = TlsException.find(t);
        assertNotNull(e, "expected a TlsException, got " + t);
        return e;
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void aWrongNameFailsAndNothingWrittenEarlyReachesTheServer(SslProvider provider) throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(evil, accepted);
        EarlyWriter early = new EarlyWriter("SECRET", FLUSH);
        Side side = connect(plainClient(provider), http, early, port);

        TlsException writeFailure = tlsException(early.awaitWritten());
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, writeFailure.code(), writeFailure.toString());
        assertTrue(writeFailure.getMessage().contains("server.test") && writeFailure.getMessage().contains("evil.test"),
                "the message names the expected name and the certificate's: " + writeFailure.getMessage());
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, side.awaitFailureEvent().code());
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, TlsException.classify(side.handshakeFailure()).code(),
                "the handlers after the verifier see a failed handshake, not Netty's success");
        side.awaitClosed();

        Side serverSide = accepted.get(20, TimeUnit.SECONDS);
        serverSide.awaitClosed();
        assertEquals("", serverSide.received.toString(), "nothing may reach a server that failed verification");
        assertTrue(side.exceptions.isEmpty(), "a refusal is reported by events and promises: " + side.exceptions);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void theRightNamePassesEarlyWritesInOrderWithLaterOnes(SslProvider provider) throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(server, accepted);
        EarlyWriter early = new EarlyWriter("one,", "two,", FLUSH);
        Side side = connect(plainClient(provider), http, early, port);

        assertNull(side.handshakeFailure());
        assertNull(early.awaitWritten());
        side.channel.writeAndFlush(Unpooled.copiedBuffer("three", StandardCharsets.UTF_8)).sync();
        Side serverSide = accepted.get(20, TimeUnit.SECONDS);
        assertEquals("one,two,three", serverSide.awaitReceived("three"));
        assertEquals("one,two,three", side.awaitReceived("three"), "the echo comes back through the verifier");
        side.channel.eventLoop().submit(() -> assertNull(side.channel.pipeline().get(HostnameSchemeVerifier.class),
                "after a pass the verifier leaves the pipeline")).get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void heldFlushesArePassedOnWhereTheyWereAndUnflushedWritesStayUnflushed() throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(server, accepted);
        OutboundProbe probe = new OutboundProbe();
        EarlyWriter early = new EarlyWriter("a", "b", FLUSH, FLUSH, "c");
        SslContext ssl = plainClient(SslProvider.OPENSSL);
        Side side = loop.client(ch -> ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "server.test", port), probe,
                new HostnameSchemeVerifier(http), early), port);

        assertNull(side.handshakeFailure());
        assertEquals(List.of("write:a", "write:b", "flush", "write:c"), probe.seen(),
                "before the verdict nothing reached the SslHandler; after it, the writes and the one flush in order");
        Side serverSide = accepted.get(20, TimeUnit.SECONDS);
        serverSide.awaitReceived("ab");
        side.channel.flush();
        assertEquals("abc", serverSide.awaitReceived("abc"));
    }

    @Test
    void aChainAnotherContextAcceptedIsStillHeldToTheSecurityFloor() throws Exception {
        // A plain Netty context (its JDK trust manager) accepts a SHA-1 signed leaf; the floor does not.
        HeldCertificate sha1 = HeldCertificate.builder().commonName("server.test").dns("server.test")
                .signatureAlgorithm("SHA1withECDSA").signedBy(root).build();
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(sha1.keyMaterial())
                .securityFloor(SecurityFloor.LEGACY).build());
        int port = loop.server(tls, s -> { });
        EarlyWriter early = new EarlyWriter("SECRET", FLUSH);
        Side side = connect(plainClient(SslProvider.OPENSSL), http, early, port);
        TlsException e = tlsException(early.awaitWritten());
        assertEquals(TlsErrorCode.WEAK_CRYPTO, e.code(), e.toString());
        assertTrue(e.getMessage().contains("SHA1withECDSA"), e.getMessage());
        side.awaitClosed();

        HostnameSchemeVerifier.Config legacy = HostnameSchemeVerifier.Config.builder().verifycnScheme("http")
                .securityFloor(SecurityFloor.LEGACY).build();
        EarlyWriter allowed = new EarlyWriter("fine", FLUSH);
        Side ok = connect(plainClient(SslProvider.OPENSSL), legacy, allowed, port);
        assertNull(ok.handshakeFailure());
        assertNull(allowed.awaitWritten());
    }

    /**
     * Second review of #15: the chain another context validated is walked by name from the leaf.
     * A server that puts an unrelated certificate between its leaf and the name-constrained
     * intermediate (the JDK's trust manager builds its own path, so it still accepts) must not
     * hide that intermediate's constraints: here a wildcard that reaches into its excluded subtree.
     */
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void aCertificateSlippedIntoTheChainDoesNotHideAnIntermediatesNameConstraints(SslProvider provider) throws Exception {
        HeldCertificate constrained = HeldCertificate.builder().subject("O=Constrained CA").certificateAuthority(0)
                .excludedSubtree("DNS:bar.example.com").signedBy(wideRoot).build();
        HeldCertificate wildcard = HeldCertificate.builder().commonName("wild").dns("*.example.com")
                .signedBy(constrained).build();
        HeldCertificate junk = HeldCertificate.builder().commonName("unrelated").build();
        SslContext server = SslContextBuilder.forServer(new FixedKeyManager(wildcard.privateKey(),
                wildcard.certificate(), junk.certificate(), constrained.certificate())).sslProvider(SslProvider.JDK).build();
        int port = loop.server(ch -> ch.pipeline().addLast(server.newHandler(ch.alloc())), s -> { }, true);
        SslContext client = SslContextBuilder.forClient().sslProvider(provider).trustManager(wideRoot.certificate())
                .endpointIdentificationAlgorithm(null).build();
        HostnameSchemeVerifier.Config bar = HostnameSchemeVerifier.Config.builder().verifycnName("bar.example.com").build();
        EarlyWriter early = new EarlyWriter("SECRET", FLUSH);
        Side side = connect(client, bar, early, port);
        TlsException e = tlsException(early.awaitWritten());
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, e.code(), e.toString());
        assertTrue(e.getMessage().contains("excluded subtree bar.example.com"), e.getMessage());
        side.awaitClosed();
    }

    /** A server key manager that sends its chain exactly as given, in any order (a KeyStore insists on issuing order). */
    static final class FixedKeyManager extends javax.net.ssl.X509ExtendedKeyManager {
        private final java.security.PrivateKey key;
        private final java.security.cert.X509Certificate[] chain;

        FixedKeyManager(java.security.PrivateKey key, java.security.cert.X509Certificate... chain) {
            this.key = key;
            this.chain = chain;
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            return new String[] {"fixed"};
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return "fixed";
        }

        @Override
        public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
            return "fixed";
        }

        @Override
        public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
            return chain.clone();
        }

        @Override
        public java.security.PrivateKey getPrivateKey(String alias) {
            return key;
        }
    }

    @Test
    void aPinnedFingerprintAcceptsANameMismatch() throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(evil, accepted);
        HostnameSchemeVerifier.Config pinned = HostnameSchemeVerifier.Config.builder().verifycnScheme("http")
                .fingerprint(Fingerprint.of(evil.certificate())).build();
        EarlyWriter early = new EarlyWriter("pinned", FLUSH);
        Side side = connect(plainClient(SslProvider.OPENSSL), pinned, early, port);

        assertNull(side.handshakeFailure());
        assertNull(early.awaitWritten());
        accepted.get(20, TimeUnit.SECONDS).awaitReceived("pinned");
    }

    @Test
    void aForcedFingerprintRefusesARightNameWithoutAMatchingPin() throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(server, accepted);
        HostnameSchemeVerifier.Config forced = HostnameSchemeVerifier.Config.builder().verifycnScheme("http")
                .fingerprint(Fingerprint.of(evil.certificate())).forceFingerprint(true).build();
        EarlyWriter early = new EarlyWriter("SECRET", FLUSH);
        Side side = connect(plainClient(SslProvider.OPENSSL), forced, early, port);

        TlsException e = tlsException(early.awaitWritten());
        assertEquals(TlsErrorCode.FINGERPRINT_MISMATCH, e.code(), e.toString());
        assertEquals(TlsErrorCode.FINGERPRINT_MISMATCH, side.awaitFailureEvent().code());
        side.awaitClosed();
        Side serverSide = accepted.get(20, TimeUnit.SECONDS);
        serverSide.awaitClosed();
        assertEquals("", serverSide.received.toString());
    }

    /** A server that asks for a client certificate and checks its name after the handshake. */
    private int serveCheckingClientName(EarlyWriter early, CompletableFuture<Side> accepted) throws SSLException, TlsException {
        SslContext ssl = SslContextBuilder.forServer(server.privateKey(), server.chain()).sslProvider(SslProvider.OPENSSL)
                .trustManager(root.certificate()).clientAuth(ClientAuth.REQUIRE).build();
        HostnameSchemeVerifier.Config clientName = HostnameSchemeVerifier.Config.builder().verifycnName("client.test").build();
        return loop.server(ch -> ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new HostnameSchemeVerifier(clientName),
                early), accepted::complete, true);
    }

    private Side connectWithCertificate(HeldCertificate cert, int port) throws SSLException {
        SslContext ssl = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).trustManager(root.certificate())
                .keyManager(cert.privateKey(), cert.chain()).build();
        return loop.client(ch -> ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "server.test", port),
                new EarlyWriter("CLIENT-DATA", FLUSH)), port);
    }

    @Test
    void aServerRefusesAClientCertificateForAnotherNameAndSendsItNothing() throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        EarlyWriter welcome = new EarlyWriter("WELCOME", FLUSH);
        int port = serveCheckingClientName(welcome, accepted);
        Side side = connectWithCertificate(mallory, port);

        TlsException e = tlsException(welcome.awaitWritten());
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, e.code(), e.toString());
        assertTrue(e.getMessage().contains("client.test") && e.getMessage().contains("mallory.test"), e.getMessage());
        Side serverSide = accepted.get(20, TimeUnit.SECONDS);
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, serverSide.awaitFailureEvent().code());
        serverSide.awaitClosed();
        side.awaitClosed();
        assertEquals("", side.received.toString(), "nothing from the server may reach a refused client");
        assertEquals("", serverSide.received.toString(), "the refused client's data is not handed to the server");
    }

    @Test
    void aServerAcceptsAClientCertificateForTheExpectedName() throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        EarlyWriter welcome = new EarlyWriter("WELCOME,", FLUSH);
        int port = serveCheckingClientName(welcome, accepted);
        Side side = connectWithCertificate(client, port);

        assertNull(welcome.awaitWritten());
        assertEquals("WELCOME,CLIENT-DATA", side.awaitReceived("CLIENT-DATA"), "the welcome, then the echo");
        assertEquals("CLIENT-DATA", accepted.get(20, TimeUnit.SECONDS).awaitReceived("CLIENT-DATA"));
    }

    @Test
    void withoutAnSslHandlerBeforeItTheChannelIsClosed() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(new HostnameSchemeVerifier(http));
        ChannelPipelineException e = assertThrows(ChannelPipelineException.class, ch::checkException);
        assertTrue(e.getCause().getMessage().contains("must come after an SslHandler"), e.getCause().getMessage());
        assertFalse(ch.isOpen(), "without the verifier nothing would hold writes back");
        assertNull(ch.pipeline().get(HostnameSchemeVerifier.class));
        ch.finishAndReleaseAll();
    }

    @Test
    void badConfigurationIsRefusedWhenBuilt() {
        TlsException unknown = assertThrows(TlsException.class,
                () -> HostnameSchemeVerifier.Config.builder().verifycnScheme("gopher").build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, unknown.code());
        TlsException forced = assertThrows(TlsException.class,
                () -> HostnameSchemeVerifier.Config.builder().forceFingerprint(true).build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, forced.code());
        assertTrue(forced.getMessage().contains("SSL_force_fingerprint"), forced.getMessage());
        TlsException malformed = assertThrows(TlsException.class,
                () -> HostnameSchemeVerifier.Config.builder().fingerprint("sha256$nothex").build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, malformed.code());
    }
}
