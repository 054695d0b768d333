package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.VerifyMode;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.testing.Loopback;

/**
 * The tls-alpn-01 hook of {@link SniCertSelector} (RFC 8737) attacked from every side: only a
 * ClientHello offering {@code acme-tls/1} alone, for a name whose validation is pending, gets the
 * validation certificate and {@code acme-tls/1}; such a connection never hands data or a
 * handshake to the application and is closed; every other client gets the name's own certificate.
 */
class TlsAlpnChallengeTest {
    private static final class Outcome {
        X509Certificate leaf;
        String alpn;
        Loopback.Side client;
        Loopback.Side server;
        final java.util.Queue<Object> serverEvents = new java.util.concurrent.ConcurrentLinkedQueue<>();
    }

    private static Outcome connect(String name, String... alpn) throws Exception {
        HeldCertificate validation = HeldCertificate.builder().commonName("a.test validation").dns("a.test").build();
        TlsServerContext challenge = TlsServerContext.create(TlsServerOptions.builder().certificate(validation.keyMaterial())
                .alpnProtocols(TlsAlpnChallenges.ACME_TLS_1).build());
        ConcurrentHashMap<String, TlsServerContext> pending = new ConcurrentHashMap<>();
        pending.put("a.test", challenge);
        SniMapping mapping = SniPki.mapping(false).build();
        SniSelectorOptions options = SniSelectorOptions.builder().tlsAlpnChallenges(pending::get).build();
        TlsClientOptions.Builder c = TlsClientOptions.builder().verifyMode(VerifyMode.NONE);
        if (alpn.length > 0) {
            c.alpnProtocols(alpn);
        }
        TlsClientContext client = TlsClientContext.create(c.build());
        try (Loopback loop = new Loopback()) {
            CompletableFuture<Loopback.Side> accepted = new CompletableFuture<>();
            Outcome o = new Outcome();
            int port = loop.server(ch -> {
                SniCertSelector.install(ch.pipeline(), mapping, options);
                ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                        o.serverEvents.add(evt);
                        ctx.fireUserEventTriggered(evt);
                    }
                });
            }, accepted::complete, true);
            CompletableFuture<TlsConnectionInfo> seen = new CompletableFuture<>();
            o.client = loop.client(ch -> {
                try {
                    client.install(ch.pipeline(), name, port);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                // Read while the SslHandler is still there: a validation connection is closed right away.
                ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) throws Exception {
                        if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent
                                && ((io.netty.handler.ssl.SslHandshakeCompletionEvent) evt).isSuccess()) {
                            seen.complete(TlsConnectionInfo.of(ctx.channel()));
                        }
                        ctx.fireUserEventTriggered(evt);
                    }
                });
            }, port);
            assertNull(o.client.handshakeFailure());
            TlsConnectionInfo info = seen.get(20, TimeUnit.SECONDS);
            o.leaf = info.peerCertificate();
            o.alpn = info.alpn();
            o.server = accepted.get(20, TimeUnit.SECONDS);
            Loopback.writeNow(o.client, "ping");
            if (TlsAlpnChallenges.ACME_TLS_1.equals(o.alpn)) {
                o.client.awaitClosed();
            } else {
                o.client.awaitReceived("ping");
            }
            if (o.leaf != null && o.leaf.getSubjectX500Principal().getName().contains("validation")) {
                assertEquals(validation.certificate(), o.leaf);
            }
            return o;
        }
    }

    @Test
    void acmeTls1AloneForAPendingNameGetsTheValidationCertificateAndNothingElse() throws Exception {
        Outcome o = connect("a.test", TlsAlpnChallenges.ACME_TLS_1);
        assertEquals("CN=a.test validation", o.leaf.getSubjectX500Principal().getName());
        assertEquals(TlsAlpnChallenges.ACME_TLS_1, o.alpn);
        o.server.awaitClosed();
        assertEquals("", o.server.received.toString(), "no application data reached the application");
        assertFalse(o.serverEvents.stream().anyMatch(e -> e instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent),
                "the application was never told of the validation handshake: " + o.serverEvents);
    }

    @Test
    void everyOtherClientGetsTheNamesOwnCertificate() throws Exception {
        for (String[] alpn : List.of(new String[] {TlsAlpnChallenges.ACME_TLS_1, "h2"}, new String[] {"h2"}, new String[0])) {
            Outcome o = connect("a.test", alpn);
            assertNotEquals("CN=a.test validation", o.leaf.getSubjectX500Principal().getName(), List.of(alpn).toString());
            assertNull(o.alpn, List.of(alpn).toString());
        }
        Outcome other = connect("b.test", TlsAlpnChallenges.ACME_TLS_1);
        assertEquals(SniPki.B_EC.certificate(), other.leaf, "a name not being validated");
        assertNull(other.alpn);
    }
}
