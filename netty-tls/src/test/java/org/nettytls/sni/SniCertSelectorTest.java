package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslHandler;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsFailureEvent;
import org.nettytls.TlsServerContext;
import org.nettytls.VerifyMode;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.testing.Await;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/** The selector between real Netty clients and servers on 127.0.0.1. */
class SniCertSelectorTest {
    private final Loopback loop = new Loopback();
    private SniPki.Server server;

    @AfterEach
    void close() {
        loop.close();
    }

    private int server(SniLookup lookup, SniSelectorOptions options) {
        server = new SniPki.Server(loop, lookup, options);
        return server.port;
    }

    private SniPki.Events lastServer() {
        return server.last();
    }

    private static TlsClientContext client() throws TlsException {
        return TlsClientContext.create(TlsClientOptions.builder().caCertificates(SniPki.CA.certificate()).build());
    }

    /** Connects with SNI {@code name}; returns the certificate the client got. */
    private X509Certificate connect(TlsClientContext client, String name, int port) {
        Side side = loop.client(client, name, port);
        Throwable failure = side.handshakeFailure();
        assertNull(failure, () -> "handshake for " + name + " failed: " + failure);
        try {
            return (X509Certificate) side.channel.pipeline().get(SslHandler.class).engine().getSession()
                    .getPeerCertificates()[0];
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void eachNameGetsItsCertificateAndTheEventSaysWhich() throws Exception {
        int port = server(SniPki.mapping(true).build(), SniSelectorOptions.DEFAULTS);
        TlsClientContext client = client();
        assertEquals(SniPki.A_EC.certificate(), connect(client, "a.test", port), "a client offering ECDSA gets a.test%ecc");
        SniCompletionEvent event = lastServer().next(SniCompletionEvent.class);
        assertTrue(event.isSuccess(), event::toString);
        assertEquals("a.test", event.serverName());
        assertEquals(SniPki.A_EC.certificate(), event.certificate(), "the event names the ECDSA certificate BoringSSL sent");
        server.clear();

        assertEquals(SniPki.B_EC.certificate(), connect(client, "b.test", port));
        assertEquals(SniPki.WILD.certificate(), connect(client, "x.wild.test", port));
        assertEquals(SniPki.EXACT_UNDER_WILD.certificate(), connect(client, "exact.wild.test", port), "exact beats wildcard");
    }

    @Test
    void unmatchedNamesAndNoNameGetTheDefault() throws Exception {
        int port = server(SniPki.mapping(true).build(), SniSelectorOptions.DEFAULTS);
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(SniPki.CA.certificate())
                .verifycnScheme("none").build());
        assertEquals(SniPki.DEFAULT_RSA.certificate(), connect(client, "nobody.test", port));
        assertEquals(SniPki.DEFAULT_RSA.certificate(), connect(client, "a.b.wild.test", port), "a wildcard covers one label");
        assertEquals(SniPki.DEFAULT_RSA.certificate(), connect(client, "127.0.0.1", port), "no SNI for an IP address");
        server.clear();
        connect(client, "127.0.0.1", port);
        SniCompletionEvent event = lastServer().next(SniCompletionEvent.class);
        assertNull(event.serverName());
        assertEquals(SniPki.DEFAULT_RSA.certificate(), event.certificate());
    }

    @Test
    void rsaOnlyClientGetsTheRsaCertificateAndConnectionInfoSaysSo() throws Exception {
        int port = server(SniPki.mapping(false).build(), SniSelectorOptions.DEFAULTS);
        TlsClientContext rsaOnly = TlsClientContext.create(TlsClientOptions.builder().caCertificates(SniPki.CA.certificate())
                .version("TLSv1_2").cipherList("ECDHE-RSA-AES128-GCM-SHA256").build());
        assertEquals(SniPki.A_RSA.certificate(), connect(rsaOnly, "a.test", port));
        SniPki.Events events = lastServer();
        SniCompletionEvent event = events.next(SniCompletionEvent.class);
        assertEquals(SniPki.A_RSA.certificate(), event.certificate());
    }

    @Test
    void connectionInfoOnTheServerNamesTheRequestedNameAndTheCertificateSent() throws Exception {
        CompletableFuture<TlsConnectionInfo> info = new CompletableFuture<>();
        int port = loop.server(ch -> {
            SniCertSelector.install(ch.pipeline(), uncheckedMapping(), SniSelectorOptions.DEFAULTS);
            ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof SniCompletionEvent) {
                        try {
                            info.complete(TlsConnectionInfo.of(ctx.channel()));
                        } catch (TlsException e) {
                            info.completeExceptionally(e);
                        }
                    }
                    ctx.fireUserEventTriggered(evt);
                }
            });
        }, side -> { }, true);
        connect(client(), "A.Test", port);
        TlsConnectionInfo i = info.get(20, TimeUnit.SECONDS);
        assertEquals("a.test", i.servername().toLowerCase(java.util.Locale.ROOT));
        assertEquals(SniPki.A_EC.certificate(), i.localCertificates().get(0));
    }

    private static SniMapping uncheckedMapping() {
        try {
            return SniPki.mapping(false).build();
        } catch (TlsException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void noMatchAndNoDefaultSendsUnrecognizedName() throws Exception {
        int port = server(SniPki.mapping(false).build(), SniSelectorOptions.DEFAULTS);
        Side side = loop.client(client(), "nobody.test", port);
        Throwable failure = side.handshakeFailure();
        assertNotNull(failure);
        assertTrue(String.valueOf(TlsException.classify(failure).getMessage()).toUpperCase().contains("UNRECOGNIZED_NAME"),
                () -> "the client should have read the alert: " + failure);
        SniCompletionEvent event = lastServer().next(SniCompletionEvent.class);
        assertEquals(TlsErrorCode.UNRECOGNIZED_NAME, event.code());
        assertEquals("nobody.test", event.serverName());
        assertEquals(TlsErrorCode.UNRECOGNIZED_NAME, lastServer().next(TlsFailureEvent.class).code());
        lastServer().awaitClosed();
    }

    @Test
    void noMatchWithCloseSendsNoAlert() throws Exception {
        int port = server(SniPki.mapping(false).build(),
                SniSelectorOptions.builder().unknownName(SniSelectorOptions.UnknownName.CLOSE).build());
        Side side = loop.client(client(), "nobody.test", port);
        Throwable failure = side.handshakeFailure();
        assertNotNull(failure);
        assertFalse(String.valueOf(TlsException.classify(failure).getMessage()).toUpperCase().contains("UNRECOGNIZED"),
                () -> "no alert was to be sent: " + failure);
        assertEquals(TlsErrorCode.UNRECOGNIZED_NAME, lastServer().next(SniCompletionEvent.class).code());
    }

    @Test
    void perNameSettingsClientCertificatesOnOneNameOnly() throws Exception {
        HeldCertificate clientCert = HeldCertificate.builder().commonName("client").signedBy(SniPki.CA).build();
        SniMapping mapping = SniMapping.builder()
                .add("mtls.test", SniPki.options(SniPki.B_EC).verifyMode(VerifyMode.REQUIRE)
                        .caCertificates(SniPki.CA.certificate()).clientCaCertificates(SniPki.CA.certificate()).build())
                .add("open.test", SniPki.options(SniPki.B_EC).build())
                .build();
        int port = server(mapping, SniSelectorOptions.DEFAULTS);
        TlsClientContext anonymous = TlsClientContext.create(TlsClientOptions.builder()
                .caCertificates(SniPki.CA.certificate()).verifycnScheme("none").build());
        TlsClientContext withCert = TlsClientContext.create(TlsClientOptions.builder()
                .caCertificates(SniPki.CA.certificate()).verifycnScheme("none").certificate(clientCert.keyMaterial()).build());

        connect(anonymous, "open.test", port);
        assertTrue(lastServer().next(SniCompletionEvent.class).isSuccess());
        server.clear();

        Side refused = loop.client(anonymous, "mtls.test", port);
        SniCompletionEvent event = lastServer().next(SniCompletionEvent.class);
        assertEquals(TlsErrorCode.PEER_CERT_MISSING, event.code(), event::toString);
        assertEquals("mtls.test", event.serverName());
        refused.awaitClosed();
        server.clear();

        connect(withCert, "mtls.test", port);
        assertTrue(lastServer().next(SniCompletionEvent.class).isSuccess());
    }

    @Test
    void perNameSettingsAlpn() throws Exception {
        SniMapping mapping = SniMapping.builder()
                .add("h2.test", SniPki.options(SniPki.B_EC).alpnProtocols("h2", "http/1.1").build())
                .add("h1.test", SniPki.options(SniPki.B_EC).alpnProtocols("http/1.1").build())
                .build();
        int port = server(mapping, SniSelectorOptions.DEFAULTS);
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(SniPki.CA.certificate())
                .verifycnScheme("none").alpnProtocols("h2", "http/1.1").build());
        assertEquals("h2", alpn(client, "h2.test", port));
        assertEquals("http/1.1", alpn(client, "h1.test", port));
    }

    private String alpn(TlsClientContext client, String name, int port) {
        Side side = loop.client(client, name, port);
        assertNull(side.handshakeFailure());
        return side.channel.pipeline().get(SslHandler.class).applicationProtocol();
    }

    /** The name's handshake timeout, counted from the connection's start as a plain SslHandler counts it: less the hello's time. */
    @Test
    void theInstalledSslHandlerKeepsTheNamesHandshakeTimeout() throws Exception {
        SniMapping mapping = SniMapping.builder()
                .add("b.test", SniPki.options(SniPki.B_EC).handshakeTimeout(Duration.ofMillis(7_777)).build()).build();
        CompletableFuture<Long> timeout = new CompletableFuture<>();
        int port = loop.server(ch -> {
            SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
            ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void handlerAdded(io.netty.channel.ChannelHandlerContext ctx) {
                    ch.pipeline().addFirst("probe", new io.netty.channel.ChannelInboundHandlerAdapter());
                }

                @Override
                public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof SniCompletionEvent) {
                        timeout.complete(ctx.pipeline().get(SslHandler.class).getHandshakeTimeoutMillis());
                    }
                    ctx.fireUserEventTriggered(evt);
                }
            });
        }, side -> { }, true);
        connect(client(), "b.test", port);
        long left = timeout.get(20, TimeUnit.SECONDS);
        assertTrue(left <= 7_777L && left > 7_777L - 5_000, "handshake timeout " + left + " ms");
    }

    @Test
    void asyncLookupAnswersLaterWithoutBlocking() throws Exception {
        SniMapping mapping = SniPki.mapping(false).build();
        ScheduledExecutorService store = Executors.newSingleThreadScheduledExecutor();
        try {
            SniLookup slow = name -> {
                CompletableFuture<TlsServerContext> f = new CompletableFuture<>();
                store.schedule(() -> f.complete(mapping.find(name) == null ? null : mapping.find(name).context()),
                        200, TimeUnit.MILLISECONDS);
                return f;
            };
            int port = server(slow, SniSelectorOptions.DEFAULTS);
            assertEquals(SniPki.B_EC.certificate(), connect(client(), "b.test", port));
            assertTrue(lastServer().next(SniCompletionEvent.class).isSuccess());
        } finally {
            store.shutdownNow();
        }
    }

    @Test
    void asyncLookupThatNeverAnswersTimesOut() throws Exception {
        CompletableFuture<TlsServerContext> never = new CompletableFuture<>();
        int port = server(name -> never, SniSelectorOptions.builder().lookupTimeout(Duration.ofMillis(300)).build());
        Side side = loop.client(client(), "b.test", port);
        assertNotNull(side.handshakeFailure());
        SniCompletionEvent event = lastServer().next(SniCompletionEvent.class);
        assertEquals(TlsErrorCode.HANDSHAKE_TIMEOUT, event.code());
        assertTrue(event.cause().getMessage().contains("lookup for 'b.test'"), event::toString);
        lastServer().awaitClosed();
    }

    @Test
    void asyncLookupThatFailsEndsTheConnectionWithItsReason() throws Exception {
        int port = server(name -> CompletableFuture.failedFuture(new IllegalStateException("store is down")),
                SniSelectorOptions.DEFAULTS);
        Side side = loop.client(client(), "b.test", port);
        assertNotNull(side.handshakeFailure());
        SniCompletionEvent event = lastServer().next(SniCompletionEvent.class);
        assertTrue(event.cause().getMessage().contains("store is down"), event::toString);
        lastServer().awaitClosed();
    }

    @Test
    void aLookupThatThrowsEndsTheConnectionWithoutAnEscapingException() throws Exception {
        int port = server(name -> {
            throw new IllegalStateException("bug in user code");
        }, SniSelectorOptions.DEFAULTS);
        Side side = loop.client(client(), "b.test", port);
        assertNotNull(side.handshakeFailure());
        SniCompletionEvent event = lastServer().next(SniCompletionEvent.class);
        assertTrue(event.cause().getMessage().contains("bug in user code"), event::toString);
    }

    @Test
    void onHandlerSeesTheHandlerBeforeTheClientHelloSoAStapleSetThereIsSent() throws Exception {
        byte[] staple = {0x30, 0x03, 0x0a, 0x01, 0x06};
        SniMapping mapping = SniMapping.builder().add("a.test", org.nettytls.TlsServerOptions.builder()
                .certificate(SniPki.A_RSA.keyMaterial()).ocspStapling(true).build()).build();
        CompletableFuture<TlsServerContext> seen = new CompletableFuture<>();
        int port = server(mapping, SniSelectorOptions.builder().onHandler((handler, context) -> {
            seen.complete(context);
            ((io.netty.handler.ssl.ReferenceCountedOpenSslEngine) handler.engine()).setOcspResponse(staple);
        }).build());
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(SniPki.CA.certificate())
                .ocspStapling(true).build());
        Side side = loop.client(client, "a.test", port);
        assertNull(side.handshakeFailure());
        assertEquals(mapping.lookup("a.test").toCompletableFuture().get(), seen.get(Await.EVENT.toSeconds(), TimeUnit.SECONDS),
                "the hook gets the context of the name asked for");
        byte[] received = ((io.netty.handler.ssl.ReferenceCountedOpenSslEngine) side.channel.pipeline().get(SslHandler.class)
                .engine()).getOcspResponse();
        assertTrue(java.util.Arrays.equals(staple, received), "the client got the staple set in the hook");
    }

    @Test
    void anOnHandlerThatThrowsEndsTheConnectionWithItsReason() throws Exception {
        int port = server(SniPki.mapping(true).build(), SniSelectorOptions.builder().onHandler((handler, context) -> {
            throw new IllegalStateException("stapler broke");
        }).build());
        Side side = loop.client(client(), "b.test", port);
        assertNotNull(side.handshakeFailure());
        SniCompletionEvent event = lastServer().next(SniCompletionEvent.class);
        assertFalse(event.isSuccess());
        assertTrue(event.cause().getMessage().contains("stapler broke"), event::toString);
        lastServer().awaitClosed();
    }
}
