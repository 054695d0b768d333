package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/**
 * The debug levels 0 to 3 ({@code $IO::Socket::SSL::DEBUG}) on their logging categories, read
 * back through java.util.logging, which Netty's logging facade uses here: each level logs what
 * its Javadoc promises and nothing of the levels above it.
 */
class TlsDebugTest {
    private static final String[] CATEGORIES = {"org.nettytls.debug.error", "org.nettytls.debug.handshake", "org.nettytls.debug.data"};
    static HeldCertificate ca;
    static HeldCertificate leaf;
    private final Loopback loop = new Loopback();
    // Held here: java.util.logging keeps its loggers only weakly.
    private final List<Logger> loggers = new ArrayList<>();
    private final ConcurrentLinkedQueue<LogRecord> records = new ConcurrentLinkedQueue<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Debug CA").certificateAuthority(0).build();
        leaf = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
    }

    @BeforeEach
    void listen() {
        capture.setLevel(Level.ALL);
        for (String name : CATEGORIES) {
            Logger l = Logger.getLogger(name);
            l.addHandler(capture);
            loggers.add(l);
        }
    }

    @AfterEach
    void close() {
        TlsDefaults.setDebugLevel(0);
        loop.close();
        for (Logger l : loggers) {
            l.removeHandler(capture);
        }
    }

    private List<String> on(String category) {
        return records.stream().filter(r -> r.getLoggerName().equals(category))
                .map(r -> r.getLevel() + " " + r.getMessage()).collect(Collectors.toList());
    }

    /** One connection that exchanges a line and closes, one whose client refuses the server; both ended on both sides. */
    private void traffic() throws Exception {
        TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial()).build());
        List<CompletableFuture<Side>> accepted = new ArrayList<>(List.of(new CompletableFuture<>(), new CompletableFuture<>()));
        int[] n = {0};
        int port = loop.server(server, s -> accepted.get(n[0]++).complete(s));

        Side good = loop.client(TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build()),
                "localhost", port);
        good.handshake.get(10, TimeUnit.SECONDS);
        Loopback.writeNow(good, "hello\n");
        good.awaitReceived("hello\n");
        good.channel.close().sync();
        accepted.get(0).get(10, TimeUnit.SECONDS).awaitClosed();

        Side refused = loop.client(TlsClientContext.create(TlsClientOptions.builder()
                .caCertificates(HeldCertificate.builder().commonName("Other CA").certificateAuthority(0).build().certificate())
                .build()), "localhost", port);
        refused.awaitClosed();
        accepted.get(1).get(10, TimeUnit.SECONDS).awaitClosed();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void eachLevelLogsWhatItPromises(int level) throws Exception {
        TlsDefaults.setDebugLevel(level);
        traffic();
        List<String> errors = on(CATEGORIES[0]);
        List<String> handshake = on(CATEGORIES[1]);
        List<String> data = on(CATEGORIES[2]);
        String all = errors + "\n" + handshake + "\n" + data;
        if (level == 0) {
            assertTrue(records.isEmpty(), all);
            return;
        }
        // 1 and up: the failed handshake, on both sides, with its code; nothing of the good connection.
        assertTrue(errors.stream().anyMatch(m -> m.startsWith("WARNING ") && m.contains("TLS handshake failed [untrusted-chain]")
                && m.contains("Other CA")), all);
        assertTrue(errors.size() >= 2 && errors.stream().allMatch(m -> m.contains("TLS handshake failed")), all);
        if (level == 1) {
            assertTrue(handshake.isEmpty() && data.isEmpty(), all);
            return;
        }
        // 2 and up: progress and the negotiated parameters.
        assertTrue(handshake.stream().anyMatch(m -> m.startsWith("INFO ") && m.contains("TLS handshake starting")), all);
        assertTrue(handshake.stream().anyMatch(m -> m.contains("TLS handshake done: TLSv1_3 TLS_AES_")
                && m.contains(" group X25519MLKEM768 reused false alpn none peer CN=localhost")), all);
        assertTrue(handshake.stream().anyMatch(m -> m.contains("close_notify from the peer")), all);
        assertTrue(handshake.stream().anyMatch(m -> m.endsWith(" closed")), all);
        if (level == 2) {
            assertTrue(data.isEmpty(), all);
            return;
        }
        // 3: every read and write of application data with its size ("hello\n", echoed).
        assertTrue(data.stream().anyMatch(m -> m.matches("INFO \\S+ write 6 bytes")), all);
        assertTrue(data.stream().anyMatch(m -> m.matches("INFO \\S+ read 6 bytes")), all);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 4})
    void levelsOutsideZeroToThreeAreRefused(int level) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsDefaults.setDebugLevel(level));
        assertEquals("debug levels are 0 to 3, not " + level, e.getMessage());
    }
}
