package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.Bystander;
import org.nettytls.testing.Loopback;

/**
 * Faults against a server that selects by SNI, each while a well-behaved client keeps talking to
 * the same server: slowloris ClientHellos and handshakes and a flood of half-open connections are
 * each closed by the timeout meant for them; certificate files deleted or corrupted before a
 * reload leave the old certificates in service.
 */
class SniFaultsTest {
    private static final Duration CLIENT_HELLO_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PROBE_BOUND = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final Loopback loop = new Loopback();
    private final List<Socket> sockets = new ArrayList<>();
    private SniReloader reloader;

    @AfterEach
    void close() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (reloader != null) {
            reloader.close();
        }
        loop.close();
    }

    private int server(Path cert, Path key) throws Exception {
        reloader = SniReloader.create(() -> SniMapping.builder().add(SniMapping.DEFAULT, TlsServerOptions.builder()
                .certificateFile(cert, key).handshakeTimeout(HANDSHAKE_TIMEOUT).build()).build());
        SniSelectorOptions options = SniSelectorOptions.builder().clientHelloTimeout(CLIENT_HELLO_TIMEOUT).build();
        return loop.server(ch -> SniCertSelector.install(ch.pipeline(), reloader, options), s -> { }, true);
    }

    private static HeldCertificate leaf(HeldCertificate ca, long serial) throws Exception {
        return HeldCertificate.builder().dns("localhost").ip("127.0.0.1").serialNumber(BigInteger.valueOf(serial)).signedBy(ca).build();
    }

    private Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        sockets.add(s);
        s.setSoTimeout((int) Await.EVENT.multipliedBy(2).toMillis());
        return s;
    }

    /** Waits until the server closed {@code s} (end of stream or reset) and returns how long that took from {@code since}. */
    private static Duration awaitClosedByServer(Socket s, long since) throws IOException {
        try {
            while (s.getInputStream().read() >= 0) {
                // a server may send an alert first
            }
        } catch (SocketException reset) {
            // closed with a reset: closed all the same
        }
        return Duration.ofNanos(System.nanoTime() - since);
    }

    @Test
    void slowlorisClientHellosStalledHandshakesAndHalfOpenFloodsEndAtTheirTimeouts() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Faults CA").certificateAuthority(0).build();
        leaf(ca, 1).writeTo(dir.resolve("leaf"));
        int port = server(dir.resolve("leaf.pem"), dir.resolve("leaf.key"));
        SSLContext jdk = Bystander.trusting(ca.certificate());
        Bystander client = Bystander.start("sni-faults", Bystander.all(Bystander.newConnectionEcho(jdk, port, PROBE_BOUND),
                Bystander.keptConnectionEcho(jdk, port, PROBE_BOUND)), Duration.ofMillis(100));
        byte[] hello = ClientHelloLimitsTest.clientHello("localhost");

        long start = System.nanoTime();
        List<Socket> halfOpen = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            halfOpen.add(connect(port));
        }
        List<Socket> trickling = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            trickling.add(connect(port));
        }
        List<Socket> stalled = new ArrayList<>();
        long stalledSince = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            Socket s = connect(port);
            s.getOutputStream().write(hello);
            stalled.add(s);
        }
        // Slowloris: one byte of the ClientHello per connection every 100 ms, which would take minutes to finish.
        for (int b = 0; b < hello.length - 1 && System.nanoTime() - start < CLIENT_HELLO_TIMEOUT.toNanos() * 3; b++) {
            for (Socket s : trickling) {
                try {
                    s.getOutputStream().write(hello[b]);
                } catch (SocketException closed) {
                    // the server gave up on it, as it should
                }
            }
            Thread.sleep(100);
        }

        // Bounded only so that a missing timeout fails rather than hangs: how soon after the timeout is not the point.
        Duration bound = CLIENT_HELLO_TIMEOUT.plus(Await.EVENT);
        for (Socket s : halfOpen) {
            Duration took = awaitClosedByServer(s, start);
            assertTrue(took.compareTo(bound) < 0, "a silent connection stayed open " + took.toMillis() + " ms");
        }
        for (Socket s : trickling) {
            Duration took = awaitClosedByServer(s, start);
            assertTrue(took.compareTo(bound) < 0, "a slowloris ClientHello stayed open " + took.toMillis() + " ms");
        }
        for (Socket s : stalled) {
            Duration took = awaitClosedByServer(s, stalledSince);
            assertTrue(took.compareTo(HANDSHAKE_TIMEOUT.minusMillis(200)) >= 0,
                    "a stalled handshake ended before the handshake timeout: " + took.toMillis() + " ms");
            assertTrue(took.compareTo(HANDSHAKE_TIMEOUT.plus(Await.EVENT)) < 0, "a stalled handshake stayed open " + took.toMillis() + " ms");
        }
        client.assertUnharmed(10, PROBE_BOUND);
    }

    /** The serial number of the certificate a new connection gets. */
    private static BigInteger served(SSLContext jdk, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) jdk.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    @Test
    void certificateFilesDeletedOrCorruptedBeforeAReloadLeaveTheOldOnesServing() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Faults CA").certificateAuthority(0).build();
        Path prefix = dir.resolve("leaf");
        Path pem = dir.resolve("leaf.pem");
        Path key = dir.resolve("leaf.key");
        leaf(ca, 1).writeTo(prefix);
        int port = server(pem, key);
        LinkedBlockingQueue<SniReloadEvent> events = new LinkedBlockingQueue<>();
        reloader.onReload(events::add);
        SSLContext jdk = Bystander.trusting(ca.certificate());
        Bystander client = Bystander.start("sni-reload", Bystander.all(Bystander.newConnectionEcho(jdk, port, PROBE_BOUND),
                Bystander.keptConnectionEcho(jdk, port, PROBE_BOUND)), Duration.ofMillis(50));
        String good = Files.readString(pem);

        List<Runnable> breakages = List.of(
                () -> delete(pem),
                () -> delete(key),
                () -> write(pem, good.substring(0, good.length() / 2)),
                () -> write(pem, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"),
                () -> write(key, "garbage"),
                () -> write(pem, ""));
        for (Runnable breakage : breakages) {
            leaf(ca, 1).writeTo(prefix);
            breakage.run();
            client.awaitMore(2, PROBE_BOUND);
            assertFalse(reloader.reload(), "a broken file was accepted");
            SniReloadEvent e = events.poll(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(e != null && !e.isSuccess(), String.valueOf(e));
            assertTrue(e.code() == TlsErrorCode.BAD_INPUT || e.code() == TlsErrorCode.BAD_CONFIGURATION, e.toString());
            assertEquals(BigInteger.ONE, served(jdk, port), "the old certificate is no longer served after " + e);
            client.awaitMore(2, PROBE_BOUND);
        }
        leaf(ca, 2).writeTo(prefix);
        assertTrue(reloader.reload());
        assertTrue(events.poll(Await.EVENT.toSeconds(), TimeUnit.SECONDS).isSuccess());
        assertEquals(BigInteger.TWO, served(jdk, port));
        client.assertUnharmed(10, PROBE_BOUND);
    }

    private static void delete(Path p) {
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path p, String text) {
        try {
            Files.writeString(p, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
