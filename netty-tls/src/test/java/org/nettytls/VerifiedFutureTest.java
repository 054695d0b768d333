package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Future;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.testing.Loopback;
import org.nettytls.verify.IdentityGate;

/**
 * {@link TlsConnectionInfo#verifiedFuture} completes with the verdict of every check, those after
 * the handshake included, where Netty's handshake future completes with the handshake alone; and
 * the {@link TlsHandshakeEvent} behind the gates says the same. The gate here decides when the test
 * tells it to, so "after the handshake, before the verdict" is a state the test holds on purpose.
 */
class VerifiedFutureTest {
    static HeldCertificate ca;
    static HeldCertificate leaf;
    private final Loopback loop = new Loopback();

    /** Judges when {@link #decide} is called: passes with {@code null}, refuses with an exception. */
    static final class LateGate extends IdentityGate {
        final CompletableFuture<ChannelHandlerContext> judging = new CompletableFuture<>();

        @Override
        protected void judge(ChannelHandlerContext ctx, SslHandler ssl) {
            judging.complete(ctx);
        }

        void decide(TlsException refusal) throws Exception {
            ChannelHandlerContext ctx = judging.get(10, TimeUnit.SECONDS);
            ctx.executor().submit(() -> {
                if (refusal == null) {
                    pass(ctx);
                } else {
                    refuse(ctx, refusal);
                }
            }).get(10, TimeUnit.SECONDS);
        }
    }

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Verified CA").certificateAuthority(0).build();
        leaf = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    private static final class Client {
        final LateGate gate = new LateGate();
        final AtomicReference<Future<TlsConnectionInfo>> verified = new AtomicReference<>();
        final AtomicReference<SslHandler> ssl = new AtomicReference<>();
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    }

    private Client connect() throws Exception {
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial()).build()),
                side -> { });
        Client c = new Client();
        TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate())
                .addIdentityGate(() -> c.gate).build());
        loop.client(ch -> {
            c.verified.set(TlsConnectionInfo.verifiedFuture(ch));
            try {
                c.ssl.set(tls.install(ch.pipeline(), "localhost", port));
            } catch (TlsException e) {
                throw new IllegalStateException(e);
            }
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    c.events.add(evt);
                    ctx.fireUserEventTriggered(evt);
                }
            });
        }, port);
        return c;
    }

    @Test
    void completesWithTheLastChecksVerdictNotWithTheHandshake() throws Exception {
        Client c = connect();
        c.gate.judging.get(10, TimeUnit.SECONDS);
        assertTrue(c.ssl.get().handshakeFuture().isSuccess(), "the handshake is done");
        assertFalse(c.verified.get().isDone(), "but the peer is not verified while a check is still out");
        assertTrue(c.events.isEmpty(), "no handshake event reaches the application before the verdict: " + c.events);

        c.gate.decide(null);
        Future<TlsConnectionInfo> verified = c.verified.get();
        assertTrue(verified.await(10, TimeUnit.SECONDS));
        assertTrue(verified.isSuccess(), () -> String.valueOf(verified.cause()));
        assertEquals(leaf.certificate(), verified.getNow().peerCertificate());
        assertEquals(SslHandshakeCompletionEvent.SUCCESS, next(c));
        TlsHandshakeEvent event = (TlsHandshakeEvent) next(c);
        assertTrue(event.isSuccess() && event.isClient(), event::toString);
    }

    @Test
    void failsWithTheRefusalOfACheckAfterTheHandshake() throws Exception {
        Client c = connect();
        c.gate.decide(new TlsException(TlsErrorCode.REVOKED, "the test's gate refuses"));
        Future<TlsConnectionInfo> verified = c.verified.get();
        assertTrue(verified.await(10, TimeUnit.SECONDS));
        assertEquals(TlsErrorCode.REVOKED, TlsException.classify(verified.cause()).code());
        assertFalse(((SslHandshakeCompletionEvent) next(c)).isSuccess());
        TlsHandshakeEvent event = (TlsHandshakeEvent) next(c);
        assertEquals(TlsErrorCode.REVOKED, event.code());
        assertEquals("the test's gate refuses", event.cause().getMessage());
    }

    @Test
    void aLateCallerGetsTheSettledVerdict() throws Exception {
        Client c = connect();
        c.gate.decide(null);
        assertTrue(c.verified.get().await(10, TimeUnit.SECONDS));
        Future<TlsConnectionInfo> late = TlsConnectionInfo.verifiedFuture(c.ssl.get().handshakeFuture().getNow());
        assertTrue(late.await(10, TimeUnit.SECONDS));
        assertTrue(late.isSuccess(), () -> String.valueOf(late.cause()));
    }

    private static Object next(Client c) throws InterruptedException {
        Object e = c.events.poll(10, TimeUnit.SECONDS);
        assertTrue(e != null, "no event within 10 s");
        return e;
    }
}
