package org.nettytls.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.ClientSessionCache;

/**
 * Client session caches (size, shared object, {@code SSL_session_key}), server session tickets
 * with rotating keys shared by two servers, and that a resumed session is judged again, over
 * real sockets between BoringSSL engines.
 */
class SessionResumptionTest {
    static HeldCertificate ca;
    static HeldCertificate leaf;

    private final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Session CA").certificateAuthority(0).build();
        leaf = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(ca).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    private static TlsServerOptions.Builder server(String version) {
        return TlsServerOptions.builder().certificate(leaf.keyMaterial()).protocols(version);
    }

    private static TlsClientOptions.Builder client(String version) {
        return TlsClientOptions.builder().caCertificates(ca.certificate()).protocols(version);
    }

    /** Connects, does a round trip (a TLS 1.3 ticket arrives after the handshake), and closes. */
    private TlsConnectionInfo roundTrip(TlsClientContext tls, int port, String sessionKey) throws Exception {
        Side side = loop.client(ch -> {
            try {
                tls.install(ch.pipeline(), "localhost", port, sessionKey);
            } catch (TlsException e) {
                throw new IllegalStateException(e);
            }
        }, port);
        Channel ch = side.handshake.get();
        TlsConnectionInfo info = TlsConnectionInfo.of(ch);
        Loopback.writeNow(side, "ping\n");
        side.awaitReceived("ping\n");
        ch.close().sync();
        return info;
    }

    private static boolean reused(TlsConnectionInfo info) {
        return info.sessionReused().orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void secondConnectionResumesAndSaysSo(String version) throws Exception {
        int port = loop.server(TlsServerContext.create(server(version).build()), s -> { });
        TlsClientContext tls = TlsClientContext.create(client(version).build());
        assertFalse(reused(roundTrip(tls, port, "localhost:" + port)));
        TlsConnectionInfo second = roundTrip(tls, port, "localhost:" + port);
        assertTrue(reused(second), "the second connection must resume");
        assertTrue(second.verification().orElseThrow().isVerified(), "a resumed session carries a fresh verdict");
    }

    @Test
    void sessionKeyLetsAnotherPortResumeAndKeepsOtherKeysApart() throws Exception {
        TlsServerContext serverTls = TlsServerContext.create(server("TLSv1_3").build());
        int control = loop.server(serverTls, s -> { });
        int data = loop.server(serverTls, s -> { });
        TlsClientContext tls = TlsClientContext.create(client("TLSv1_3").build());
        String key = "ftp.example:" + control;
        roundTrip(tls, control, key);
        assertTrue(reused(roundTrip(tls, data, key)), "the data connection resumes the control session");
        assertFalse(reused(roundTrip(tls, data, "localhost:" + data)), "its own key has no session yet");
    }

    @Test
    void sharedCacheServesTwoContextsAndZeroSizeNeverResumes() throws Exception {
        int port = loop.server(TlsServerContext.create(server("TLSv1_3").build()), s -> { });
        ClientSessionCache shared = ClientSessionCache.create(10);
        TlsClientContext a = TlsClientContext.create(client("TLSv1_3").sessionCache(shared).build());
        TlsClientContext b = TlsClientContext.create(client("TLSv1_3").sessionCache(shared).build());
        roundTrip(a, port, "k");
        assertTrue(shared.contains("k"));
        assertTrue(reused(roundTrip(b, port, "k")), "a context resumes what another put in the shared cache");

        TlsClientContext none = TlsClientContext.create(client("TLSv1_3").sessionCacheSize(0).build());
        roundTrip(none, port, "k");
        assertFalse(reused(roundTrip(none, port, "k")));
        shared.clear();
        assertEquals(0, shared.size());
    }

    @Test
    void cacheSizeCountsKeysAndDropsTheLeastRecentlyUsed() throws Exception {
        int port = loop.server(TlsServerContext.create(server("TLSv1_2").build()), s -> { });
        TlsClientContext tls = TlsClientContext.create(client("TLSv1_2").sessionCacheSize(2).build());
        roundTrip(tls, port, "one");
        roundTrip(tls, port, "two");
        roundTrip(tls, port, "three");
        assertEquals(2, tls.sessionCache().size());
        assertFalse(tls.sessionCache().contains("one"));
        assertFalse(reused(roundTrip(tls, port, "one")));
        assertTrue(reused(roundTrip(tls, port, "three")));
    }

    /** The attack: a peer refused since the full handshake must not get back in by resuming. */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void resumptionNeverBypassesAChecks(String version) throws Exception {
        int port = loop.server(TlsServerContext.create(server(version).build()), s -> { });
        AtomicBoolean refuse = new AtomicBoolean();
        AtomicInteger checks = new AtomicInteger();
        TlsClientContext tls = TlsClientContext.create(client(version).addPeerCheck(peer -> {
            checks.incrementAndGet();
            if (refuse.get()) {
                throw new TlsException(TlsErrorCode.PEER_CERT_REJECTED, "pinned out since the first handshake");
            }
        }).build());
        roundTrip(tls, port, "k");
        assertTrue(reused(roundTrip(tls, port, "k")));
        assertEquals(2, checks.get(), "the check ran on the resumed session too");
        refuse.set(true);
        Side side = loop.client(ch -> {
            try {
                tls.install(ch.pipeline(), "localhost", port, "k");
            } catch (TlsException e) {
                throw new IllegalStateException(e);
            }
        }, port);
        Loopback.writeNow(side, "secret\n");
        Throwable failure = side.handshakeFailure();
        assertNotNull(failure, "the resumed handshake must fail");
        assertEquals(TlsErrorCode.PEER_CERT_REJECTED, TlsException.classify(failure).code(), failure::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void twoServersWithTheSameKeysResumeEachOthersSessions(String version) throws Exception {
        TicketKeyRing keys = TicketKeyRing.create(1);
        int first = loop.server(TlsServerContext.create(server(version).ticketKeys(keys).build()), s -> { });
        int second = loop.server(TlsServerContext.create(server(version).ticketKeys(keys).build()), s -> { });
        int stranger = loop.server(TlsServerContext.create(server(version).ticketKeys(TicketKeyRing.create(1)).build()),
                s -> { });
        TlsClientContext tls = TlsClientContext.create(client(version).build());
        roundTrip(tls, first, "fleet");
        assertTrue(reused(roundTrip(tls, second, "fleet")), "the other instance decrypts the ticket");
        assertFalse(reused(roundTrip(tls, stranger, "fleet")), "a server with other keys cannot");
    }

    @Test
    void olderKeysStillDecryptRetiredOnesDoNot() throws Exception {
        TicketKeyRing keys = TicketKeyRing.create(1);
        int port = loop.server(TlsServerContext.create(server("TLSv1_2").ticketKeys(keys).build()), s -> { });
        TlsClientContext tls = TlsClientContext.create(client("TLSv1_2").sessionCacheSize(10).build());
        roundTrip(tls, port, "old");
        keys.rotate();
        assertTrue(reused(roundTrip(tls, port, "old")), "the previous key still decrypts");
        // The resumed connection was given a new ticket under the current key; make a session
        // under the now previous key, then retire that key.
        roundTrip(tls, port, "retire");
        keys.rotate();
        keys.rotate();
        assertFalse(reused(roundTrip(tls, port, "retire")), "a retired key decrypts nothing");
        assertEquals(Optional.of(true), roundTrip(tls, port, "retire").sessionReused(),
                "the full handshake's new ticket resumes");
    }
}
