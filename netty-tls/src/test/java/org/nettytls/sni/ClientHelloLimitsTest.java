package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.testing.ClientHellos;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/**
 * ClientHellos that arrive slowly, too large, as garbage, or not at all, against the selector
 * on a real socket: each ends promptly with an event saying why (the leak detector, at PARANOID
 * in every test JVM, fails the test if a buffer is left behind).
 */
class ClientHelloLimitsTest {
    private final Loopback loop = new Loopback();
    private SniPki.Server server;

    @AfterEach
    void close() {
        loop.close();
    }

    private int server(SniSelectorOptions options) throws TlsException {
        server = new SniPki.Server(loop, SniPki.mapping(true).build(), options);
        return server.port;
    }

    private SniPki.Events accepted() {
        return server.last();
    }

    /** A real ClientHello for {@code name}, as Netty's client writes it. */
    static byte[] clientHello(String name) throws TlsException {
        return ClientHellos.of(TlsClientContext.create(TlsClientOptions.builder().caCertificates(SniPki.CA.certificate()).build()), name);
    }

    /** Reads until the server closes; returns what it sent. Fails if it stays open for 20 s. */
    private static byte[] untilClosed(Socket s) throws Exception {
        s.setSoTimeout(20_000);
        return s.getInputStream().readAllBytes();
    }

    @Test
    void garbageInsteadOfAClientHello() throws Exception {
        int port = server(SniSelectorOptions.DEFAULTS);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            untilClosed(s);
        }
        SniSelectionEvent e = accepted().next(SniSelectionEvent.class);
        assertEquals(TlsErrorCode.PLAINTEXT_ON_TLS_PORT, e.code());
        assertTrue(e.cause().getMessage().contains("GET / HTTP"), e::toString);
        accepted().awaitClosed();
    }

    @Test
    void aClientHelloOverTheLimitIsRefusedFromItsHeader() throws Exception {
        int port = server(SniSelectorOptions.builder().maxClientHelloLength(1024).build());
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = s.getOutputStream();
            // One full record whose handshake header announces a 1 MiB ClientHello.
            byte[] record = new byte[5 + 16384];
            record[0] = 22;
            record[1] = 3;
            record[2] = 1;
            record[3] = 0x40;
            record[4] = 0x00;
            record[5] = 1;
            record[6] = 0x10;
            out.write(record);
            // BoringSSL's alert for a message over its limit: fatal illegal_parameter.
            assertEquals("alert 1503010002022f", HelloParity.describe(untilClosed(s)));
        }
        SniSelectionEvent e = accepted().next(SniSelectionEvent.class);
        assertEquals(TlsErrorCode.HANDSHAKE_FAILED, e.code());
        assertTrue(e.cause().getMessage().contains("over the limit of 1024"), e::toString);
    }

    @Test
    void aRealClientHelloOverTheLimitIsRefused() throws Exception {
        byte[] hello = clientHello("a.test");
        int port = server(SniSelectorOptions.builder().maxClientHelloLength(64).build());
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(hello);
            untilClosed(s);
        }
        assertTrue(accepted().next(SniSelectionEvent.class).cause().getMessage().contains("over the limit of 64"));
    }

    @Test
    void aClientThatSendsNothingIsClosedAfterTheClientHelloTimeout() throws Exception {
        int port = server(SniSelectorOptions.builder().clientHelloTimeout(Duration.ofMillis(300)).build());
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            assertEquals(0, untilClosed(s).length);
        }
        SniSelectionEvent e = accepted().next(SniSelectionEvent.class);
        assertEquals(TlsErrorCode.HANDSHAKE_TIMEOUT, e.code());
        assertTrue(e.cause().getMessage().contains("no complete ClientHello within 300 ms (0 bytes"), e::toString);
    }

    @Test
    void aClientThatStopsHalfwayIsClosedAfterTheClientHelloTimeout() throws Exception {
        byte[] hello = clientHello("a.test");
        int port = server(SniSelectorOptions.builder().clientHelloTimeout(Duration.ofMillis(300)).build());
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(hello, 0, hello.length / 2);
            untilClosed(s);
        }
        assertEquals(TlsErrorCode.HANDSHAKE_TIMEOUT, accepted().next(SniSelectionEvent.class).code());
    }

    @Test
    void aClientThatHangsUpHalfwayIsReported() throws Exception {
        byte[] hello = clientHello("a.test");
        int port = server(SniSelectorOptions.DEFAULTS);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(hello, 0, 20);
        }
        assertEquals(TlsErrorCode.CONNECTION_FAILED, accepted().next(SniSelectionEvent.class).code());
    }

    /**
     * A real client behind a relay that forwards its bytes to the server one at a time, each
     * in its own write with Nagle off: the ClientHello arrives in many reads and still works.
     */
    @Test
    void aClientHelloTrickledOneByteAtATimeStillWorks() throws Exception {
        int port = server(SniSelectorOptions.DEFAULTS);
        try (ServerSocket relay = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> relay(relay, port), "trickle-relay");
            t.setDaemon(true);
            t.start();
            TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder()
                    .caCertificates(SniPki.CA.certificate()).build());
            Side side = loop.client(client, "b.test", relay.getLocalPort());
            Throwable failure = side.handshakeFailure();
            assertNull(failure, () -> "trickled handshake failed: " + failure);
            SniSelectionEvent e = accepted().next(SniSelectionEvent.class);
            assertTrue(e.isSuccess(), e::toString);
            assertEquals("b.test", e.serverName());
            assertEquals(SniPki.B_EC.certificate(), e.certificate());
            Loopback.writeNow(side, "after trickle\n");
            side.awaitReceived("after trickle\n");
        }
    }

    private static void relay(ServerSocket relay, int port) {
        try (Socket in = relay.accept(); Socket out = new Socket(InetAddress.getLoopbackAddress(), port)) {
            in.setTcpNoDelay(true);
            out.setTcpNoDelay(true);
            Thread back = new Thread(() -> copy(out, in, false), "relay-back");
            back.setDaemon(true);
            back.start();
            copy(in, out, true);
        } catch (Exception e) {
            // The test's own assertions say what went wrong.
        }
    }

    private static void copy(Socket from, Socket to, boolean trickle) {
        try {
            InputStream i = from.getInputStream();
            OutputStream o = to.getOutputStream();
            byte[] buf = new byte[trickle ? 1 : 8192];
            for (int n; (n = i.read(buf)) > 0; ) {
                o.write(buf, 0, n);
                o.flush();
            }
            to.shutdownOutput();
        } catch (Exception e) {
            // Either side closing ends the relay.
        }
    }
}
