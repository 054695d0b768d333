package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.testing.Processes;

/**
 * The key log is proven by what it is for: tshark captures a connection on the loopback
 * interface and decrypts it with the file, and cannot without it.
 */
class KeyLogCaptureTest {
    @TempDir
    Path dir;
    private final Loopback loop = new Loopback();
    private PeerProcess capture;

    @AfterEach
    void stop() {
        try {
            if (capture != null) {
                capture.close();
            }
        } finally {
            loop.close();
        }
    }

    /**
     * Connects (and resets) until the capture has printed a SYN: tshark says "Capturing on" a
     * moment before it captures, and a connection made in between is never printed, so another
     * is made every 200 ms until one is; the extra plain connections change nothing.
     */
    private void awaitCapturing(int port) throws Exception {
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        while (!capture.stdout().contains("[SYN]")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the capture never showed a connection\n" + capture.describe());
            }
            connectAndReset(port);
            for (int i = 0; i < 40 && !capture.stdout().contains("[SYN]"); i++) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
    }

    /** Makes one more connection and waits until the capture printed its SYN: it then holds everything before. */
    private void awaitCapturedUpToNow(int port) throws Exception {
        int from = connectAndReset(port);
        // tshark draws the arrow as U+2192 in a UTF-8 locale and as "->" elsewhere.
        Pattern syn = Pattern.compile("\\b" + from + " (?:\u2192|->) " + port + " \\[SYN\\]");
        Await.until(() -> syn.matcher(capture.stdout()).find(), () -> "the capture never showed the connection from port "
                + from + "\n" + capture.describe());
    }

    private static int connectAndReset(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoLinger(true, 0);
            return s.getLocalPort();
        }
    }

    @ParameterizedTest
    @CsvSource({"TLSv1_2, CLIENT_RANDOM ", "TLSv1_3, CLIENT_TRAFFIC_SECRET_0 "})
    void tsharkDecryptsTheCaptureWithTheKeyLog(String version, String expectedLine) throws Exception {
        String tshark = Interop.require("tshark");
        HeldCertificate ca = HeldCertificate.builder().commonName("Key Log CA").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .version(version).build()), s -> { });
        Path pcap = dir.resolve("tls.pcapng");
        Path keys = dir.resolve("keys.log");
        // tshark writes the capture and prints each packet (-P): a plain TCP connection made before
        // and one made after the TLS one show that the capture was running, and has seen it all.
        capture = PeerProcess.start(dir, "sh", "-c", "exec " + tshark + " -n -l -P -i lo -f 'tcp port " + port
                + "' -w " + pcap + " 2>&1");
        capture.awaitStdout("Capturing on");
        awaitCapturing(port);

        TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate())
                .version(version).keyLogFile(keys).build());
        String secret = "SECRET-" + version + "-" + System.nanoTime();
        Side client = loop.client(tls, "localhost", port);
        Channel ch = client.handshake.get();
        String stream = "follow,tls,ascii,127.0.0.1:" + ((java.net.InetSocketAddress) ch.localAddress()).getPort()
                + ",127.0.0.1:" + port;
        Loopback.writeNow(client, secret + "\n");
        client.awaitReceived(secret + "\n");
        ch.close().sync();
        awaitCapturedUpToNow(port);
        capture.stop();

        String log = Files.readString(keys, StandardCharsets.US_ASCII);
        assertTrue(log.contains(expectedLine), log);
        Processes.Result decrypted = Processes.run(dir, Duration.ofSeconds(60), new byte[0], List.of(tshark, "-r",
                pcap.toString(), "-d", "tcp.port==" + port + ",tls", "-o", "tls.keylog_file:" + keys, "-q", "-z", stream));
        assertTrue(decrypted.stdout.contains(secret), () -> "tshark did not decrypt:\n" + decrypted + "\n"
                + capture.describe());
        Processes.Result without = Processes.run(dir, Duration.ofSeconds(60), new byte[0], List.of(tshark, "-r",
                pcap.toString(), "-d", "tcp.port==" + port + ",tls", "-q", "-z", stream));
        assertFalse(without.stdout.contains(secret), "without the key log the capture must stay encrypted");
    }
}
