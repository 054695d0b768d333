package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.LineClient;

/**
 * Downgrade on a live channel against a peer whose bytes the test writes one segment at a time:
 * plaintext right behind the peer's close_notify, the close modes, a timeout, and upgrade,
 * downgrade and upgrade again.
 */
class StopTlsTest {
    static HeldCertificate ca;
    static SSLContext peerTls;
    static TlsClientContext tls;

    final LineClient client = new LineClient();
    StartTlsHandler starttls;
    Channel channel;

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(ca).build();
        peerTls = EnginePeer.jdkContext(ca, server);
        tls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build());
    }

    @AfterEach
    void stop() {
        client.close();
    }

    void connect(int port, BiConsumer<ChannelHandlerContext, String> onLine) {
        starttls = new StartTlsHandler(Framing.lines());
        channel = client.connect(port, starttls, onLine);
    }

    /** Starts TLS on the peer's plaintext OK, and does nothing else. */
    BiConsumer<ChannelHandlerContext, String> upgradingOnOk(int port) {
        return (ctx, line) -> {
            if (line.equals("OK") && !starttls.isTls()) {
                starttls.startClient(tls, "localhost", port);
            }
        };
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** The peer answers STARTTLS, and the client starts TLS on the OK. */
    void upgrade(EnginePeer peer, String protocol) throws Exception {
        client.write("STARTTLS\n");
        assertEquals("STARTTLS", peer.readPlainLine());
        peer.writePlain("OK\n");
        assertEquals("line:OK (plain)", client.next());
        peer.startTls(peerTls, false, protocol);
        assertEquals("StartTlsEvent(UPGRADED)", client.next());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void plaintextBehindThePeersCloseNotifyArrivesInOrderAndTlsStartsAgain(String protocol) throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), (ctx, line) -> {
                if (line.equals("OK") && !starttls.isTls()) {
                    starttls.startClient(tls, "localhost", listen.getLocalPort());
                } else if (line.equals("BYE-TLS")) {
                    starttls.stopTls(StopTlsHandler.Mode.WAIT, Duration.ofSeconds(5));
                } else if (line.startsWith("PLAIN")) {
                    ctx.writeAndFlush(Unpooled.copiedBuffer("ECHO " + line + "\n", StandardCharsets.ISO_8859_1));
                }
            });
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                for (int round = 1; round <= 2; round++) {
                    upgrade(peer, protocol);
                    assertEquals(protocol, peer.protocol());
                    client.write("STOPTLS\n");
                    assertEquals("STOPTLS", peer.readTlsLine());
                    // One write: a TLS line, the close_notify, and two plaintext lines behind it.
                    peer.writeRaw(concat(peer.seal("BYE-TLS\n"), peer.closeNotify(),
                            ("PLAIN one " + round + "\nPLAIN two " + round + "\n").getBytes(StandardCharsets.ISO_8859_1)));
                    assertEquals("line:BYE-TLS (tls)", client.next());
                    assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
                    assertEquals("line:PLAIN one " + round + " (plain)", client.next());
                    assertEquals("line:PLAIN two " + round + " (plain)", client.next());
                    assertEquals("", peer.awaitCloseNotify());
                    peer.dropTls();
                    assertEquals("ECHO PLAIN one " + round, peer.readPlainLine());
                    assertEquals("ECHO PLAIN two " + round, peer.readPlainLine());
                }
            }
        }
    }

    @Test
    void stopAfterThePeerClosedFirstHandsOverWhatFollowed() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, "TLSv1.3");
                peer.writeRaw(concat(peer.closeNotify(), "PLAIN early\n".getBytes(StandardCharsets.ISO_8859_1)));
                // The peer's close_notify answered by ours even before the application stops.
                assertEquals("", peer.awaitCloseNotify());
                Future<Channel> stopped = starttls.stopTls(StopTlsHandler.Mode.WAIT, Duration.ofSeconds(5));
                assertTrue(stopped.awaitUninterruptibly(10, TimeUnit.SECONDS) && stopped.isSuccess(), String.valueOf(stopped.cause()));
                assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
                assertEquals("line:PLAIN early (plain)", client.next());
            }
        }
    }

    @Test
    void fastShutdownSendsCloseNotifyAndGoesPlaintextAtOnce() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, "TLSv1.2");
                channel.eventLoop().execute(() -> {
                    starttls.stopTls(StopTlsHandler.Mode.FAST, Duration.ZERO);
                    client.write("PLAIN now\n");
                });
                assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
                assertEquals("", peer.awaitCloseNotify());
                peer.dropTls();
                assertEquals("PLAIN now", peer.readPlainLine());
            }
        }
    }

    @Test
    void noShutdownSendsNothingBeforeThePlaintext() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, "TLSv1.2");
                channel.eventLoop().execute(() -> {
                    starttls.stopTls(StopTlsHandler.Mode.NONE, Duration.ZERO);
                    client.write("PLAIN now\n");
                });
                assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
                peer.dropTls();
                assertEquals("PLAIN now", peer.readPlainLine());
            }
        }
    }

    @Test
    void writesDuringTheDowngradeGoOutInPlaintextAfterIt() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, "TLSv1.3");
                channel.eventLoop().execute(() -> {
                    starttls.stopTls(StopTlsHandler.Mode.WAIT, Duration.ofSeconds(5));
                    client.write("PLAIN held\n");
                });
                assertEquals("", peer.awaitCloseNotify());
                peer.writeRaw(peer.closeNotify());
                peer.dropTls();
                assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
                assertEquals("PLAIN held", peer.readPlainLine());
            }
        }
    }

    @Test
    void aPeerThatNeverSendsCloseNotifyTimesOut() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, "TLSv1.3");
                Future<Channel> stopped = starttls.stopTls(StopTlsHandler.Mode.WAIT, Duration.ofMillis(200));
                assertTrue(stopped.awaitUninterruptibly(10, TimeUnit.SECONDS));
                assertEquals(TlsErrorCode.CLOSE_NOTIFY_TIMEOUT, TlsException.classify(stopped.cause()).code(), String.valueOf(stopped.cause()));
                assertTrue(client.next().startsWith("StartTlsEvent(downgrade failed: TlsException[close-notify-timeout]"));
                assertTrue(channel.closeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void peerFirstAnswersThePeersCloseNotifyAndHandsOverWhatFollowed() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, "TLSv1.3");
                Future<Channel> stopped = starttls.stopTls(StopTlsHandler.Mode.PEER_FIRST, Duration.ofSeconds(30));
                // As lftp after CCC's 200: its close_notify first, then plaintext at once.
                peer.writeRaw(concat(peer.closeNotify(), "PLAIN next\n".getBytes(StandardCharsets.ISO_8859_1)));
                assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
                assertEquals("line:PLAIN next (plain)", client.next());
                assertEquals("", peer.awaitCloseNotify());
                // The promise completes on the event loop just after the bytes were handed on.
                assertTrue(stopped.awaitUninterruptibly(10, TimeUnit.SECONDS) && stopped.isSuccess(), String.valueOf(stopped.cause()));
            }
        }
    }

    @Test
    void peerFirstClosesItselfWhenThePeerWaitsAndPlaintextEndsTheWait() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, "TLSv1.2");
                starttls.stopTls(StopTlsHandler.Mode.PEER_FIRST, Duration.ofMillis(100));
                // As curl in passive CCC mode: waits for the close_notify, sends none, goes on in plaintext.
                assertEquals("", peer.awaitCloseNotify());
                peer.dropTls();
                peer.writePlain("PLAIN after\n");
                assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
                assertEquals("line:PLAIN after (plain)", client.next());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void waitOrPlaintextTakesPlaintextAtARecordBoundaryAsTheEnd(String protocol) throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, protocol);
                // Sealed before the peer reads our close_notify, after which the JDK's engine would close too.
                byte[] last = peer.seal("LAST-TLS\n");
                starttls.stopTls(StopTlsHandler.Mode.WAIT_OR_PLAINTEXT, Duration.ofSeconds(30));
                assertEquals("", peer.awaitCloseNotify());
                // A last TLS record, then plaintext in the same write: the record is read as TLS, the rest as plaintext.
                peer.dropTls();
                peer.writeRaw(concat(last, "PLAIN after\n".getBytes(StandardCharsets.ISO_8859_1)));
                assertEquals("line:LAST-TLS (tls)", client.next());
                assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
                assertEquals("line:PLAIN after (plain)", client.next());
            }
        }
    }

    @Test
    void waitNeverTakesPlaintextForTheEndOfTls() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, "TLSv1.3");
                Future<Channel> stopped = starttls.stopTls(StopTlsHandler.Mode.WAIT, Duration.ofSeconds(30));
                assertEquals("", peer.awaitCloseNotify());
                peer.dropTls();
                peer.writePlain("PLAIN injected\n");
                assertTrue(stopped.awaitUninterruptibly(10, TimeUnit.SECONDS) && !stopped.isSuccess(), String.valueOf(stopped));
                assertTrue(channel.closeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS));
                assertTrue(client.seen().stream().noneMatch(e -> e.startsWith("line:")), client.seen().toString());
            }
        }
    }

    /**
     * Netty's OpenSSL engine reports every record read after our close_notify as CLOSED and
     * completes {@code sslCloseFuture()}: data (or a NewSessionTicket, as in the timeout test's
     * intermittent failure) must not pass for the peer's close_notify.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aRecordAfterOurCloseNotifyIsNotThePeersClose(String protocol) throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            connect(listen.getLocalPort(), upgradingOnOk(listen.getLocalPort()));
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                upgrade(peer, protocol);
                byte[] late = peer.seal("LATE\n");
                Future<Channel> stopped = starttls.stopTls(StopTlsHandler.Mode.WAIT, Duration.ofSeconds(30));
                assertEquals("", peer.awaitCloseNotify());
                peer.writeRaw(late);
                assertEquals("line:LATE (tls)", client.next());
                assertTrue(!stopped.isDone(), "the downgrade ended on a data record: " + stopped);
                peer.writeRaw(concat(peer.closeNotify(), "PLAIN now\n".getBytes(StandardCharsets.ISO_8859_1)));
                assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
                assertEquals("line:PLAIN now (plain)", client.next());
            }
        }
    }
}
