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

    /** Connects and closes until the capture has printed {@code count} SYNs in all. */
    private void syns(int port, int count) throws Exception {
        Pattern seen = Pattern.compile("(?s)(\\[SYN\\].*){" + count + "}");
        for (int attempt = 0; attempt < 5; attempt++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoLinger(true, 0);
            }
            if (seen.matcher(capture.stdout()).find()) {
                return;
            }
            try {
                capture.awaitStdout(seen);
                return;
            } catch (AssertionError notYet) {
                // The capture may have started after this connection: make another.
            }
        }
        throw new AssertionError("the capture never showed " + count + " connections\n" + capture.describe());
    }

    @ParameterizedTest
    @CsvSource({"TLSv1_2, CLIENT_RANDOM ", "TLSv1_3, CLIENT_TRAFFIC_SECRET_0 "})
    void tsharkDecryptsTheCaptureWithTheKeyLog(String version, String expectedLine) throws Exception {
        String tshark = Interop.require("tshark");
        HeldCertificate ca = HeldCertificate.builder().commonName("Key Log CA").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .protocols(version).build()), s -> { });
        Path pcap = dir.resolve("tls.pcapng");
        Path keys = dir.resolve("keys.log");
        // tshark writes the capture and prints each packet (-P): a plain TCP connection made before
        // and one made after the TLS one show that the capture was running, and has seen it all.
        capture = PeerProcess.start(dir, "sh", "-c", "exec " + tshark + " -l -P -i lo -f 'tcp port " + port
                + "' -w " + pcap + " 2>&1");
        capture.awaitStdout("Capturing on");
        syns(port, 1);

        TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate())
                .protocols(version).keyLogFile(keys).build());
        String secret = "SECRET-" + version + "-" + System.nanoTime();
        Side client = loop.client(tls, "localhost", port);
        Channel ch = client.handshake.get();
        String stream = "follow,tls,ascii,127.0.0.1:" + ((java.net.InetSocketAddress) ch.localAddress()).getPort()
                + ",127.0.0.1:" + port;
        Loopback.writeNow(client, secret + "\n");
        client.awaitReceived(secret + "\n");
        ch.close().sync();
        syns(port, 3);
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
