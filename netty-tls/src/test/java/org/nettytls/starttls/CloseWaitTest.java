package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/**
 * {@code closeMode(WAIT, timeout)} on a server's options: closing the channel sends close_notify
 * and keeps the socket until the peer's close_notify arrives, or the timeout passes; FAST (the
 * default, {@code SSL_fast_shutdown}) does not wait. The peer is the JDK's engine driven by hand,
 * so the test decides whether and when it answers.
 */
class CloseWaitTest {
    static HeldCertificate ca;
    static HeldCertificate leaf;
    private final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Close CA").certificateAuthority(0).build();
        leaf = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(ca).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    /** A server closing with {@code mode}, and a peer connected to it over {@code protocol}: the server's channel. */
    private Channel connect(StopTlsHandler.Mode mode, Duration timeout, EnginePeer[] peer, String protocol) throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .closeMode(mode, timeout).build()), accepted::complete);
        peer[0] = EnginePeer.connect(port);
        peer[0].startTls(EnginePeer.jdkContext(ca, null), true, protocol);
        peer[0].writeTls("ping\n");
        assertEquals("ping", peer[0].readTlsLine());
        Side server = accepted.get(10, TimeUnit.SECONDS);
        server.handshake.get(10, TimeUnit.SECONDS);
        return server.channel;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void waitKeepsTheSocketUntilThePeersCloseNotify(String protocol) throws Exception {
        EnginePeer[] peer = new EnginePeer[1];
        // A timeout far beyond the test's deadlines: only the peer's answer can end the wait in time.
        Channel server = connect(StopTlsHandler.Mode.WAIT, Duration.ofMinutes(5), peer, protocol);
        try (EnginePeer p = peer[0]) {
            server.close();
            assertEquals("", p.awaitCloseNotify());
            // The server's close_notify is out; its socket stays open while it waits for ours.
            server.eventLoop().submit(() -> { }).get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(server.isOpen(), "closed before the peer's close_notify");
            p.writeRaw(p.closeNotify());
            assertTrue(server.closeFuture().await(20, TimeUnit.SECONDS), "the peer's close_notify did not end the wait");
            assertEquals("", p.drainUntilClosed());
        }
    }

    @Test
    void waitForAPeerThatNeverAnswersEndsAtTheTimeout() throws Exception {
        closesWithoutAnAnswer(StopTlsHandler.Mode.WAIT, Duration.ofMillis(300));
    }

    @Test
    void fastSendsCloseNotifyAndDoesNotWait() throws Exception {
        closesWithoutAnAnswer(StopTlsHandler.Mode.FAST, Duration.ofMinutes(5));
    }

    /** The server sends close_notify; the peer neither answers nor closes, yet the server's socket closes. */
    private void closesWithoutAnAnswer(StopTlsHandler.Mode mode, Duration timeout) throws Exception {
        EnginePeer[] peer = new EnginePeer[1];
        Channel server = connect(mode, timeout, peer, "TLSv1.3");
        try (EnginePeer p = peer[0]) {
            server.close();
            assertEquals("", p.awaitCloseNotify());
            assertTrue(server.closeFuture().await(20, TimeUnit.SECONDS), mode + " did not close without the peer's answer");
            assertEquals("", p.drainUntilClosed());
        }
    }
}
