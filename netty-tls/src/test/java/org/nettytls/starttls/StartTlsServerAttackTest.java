package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.starttls.StartTlsHandler.PlaintextPolicy;

/**
 * A client injects a command behind the upgrade command in one TCP segment (CVE-2011-0411 and
 * its kin): the server must never answer it, neither in plaintext nor inside TLS.
 */
class StartTlsServerAttackTest {
    static HeldCertificate ca;
    static TlsServerContext tls;
    static SSLContext jdk;

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(ca).build();
        tls = TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial()).build());
        jdk = EnginePeer.jdkContext(ca, null);
    }

    /** One protocol's way to the upgrade point, the injected segment, and a harmless command inside TLS. */
    enum Script {
        SMTP(StartTlsProtocol.SMTP, List.of("220 "), "EHLO a\r\n", "250 ", "STARTTLS\r\nEHLO x\r\n", "220 ", "NOOP\r\n", "250 2.0.0 OK noop"),
        IMAP(StartTlsProtocol.IMAP, List.of("* OK"), null, null, "A STARTTLS\r\nB NOOP\r\n", "A OK", "C NOOP\r\n", "C OK NOOP done"),
        POP3(StartTlsProtocol.POP3, List.of("+OK"), null, null, "STLS\r\nCAPA\r\n", "+OK", "NOOP\r\n", "+OK noop"),
        FTP(StartTlsProtocol.FTP, List.of("220 "), null, null, "AUTH TLS\r\nUSER x\r\n", "234 ", "NOOP\r\n", "200 NOOP ok");

        final StartTlsProtocol protocol;
        final List<String> greeting;
        final String before;
        final String beforeDone;
        final String injection;
        final String positive;
        final String probe;
        final String probeAnswer;

        Script(StartTlsProtocol protocol, List<String> greeting, String before, String beforeDone, String injection,
                String positive, String probe, String probeAnswer) {
            this.protocol = protocol;
            this.greeting = greeting;
            this.before = before;
            this.beforeDone = beforeDone;
            this.injection = injection;
            this.positive = positive;
            this.probe = probe;
            this.probeAnswer = probeAnswer;
        }

        void toUpgradePoint(EnginePeer peer) throws Exception {
            for (String g : greeting) {
                readUntil(peer, g);
            }
            if (before != null) {
                peer.writePlain(before);
                readUntil(peer, beforeDone);
            }
        }
    }

    static String readUntil(EnginePeer peer, String prefix) throws Exception {
        while (true) {
            String line = peer.readPlainLine();
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Script.class)
    void injectedCommandFailsTheConnectionByDefault(Script s) throws Exception {
        try (ProtocolTestServer server = new ProtocolTestServer(s.protocol, tls, PlaintextPolicy.FAIL);
                EnginePeer peer = EnginePeer.connect(server.port())) {
            s.toUpgradePoint(peer);
            peer.writePlain(s.injection);
            assertTrue(peer.readPlainLine().startsWith(s.positive));
            String rest = peer.drainUntilClosed();
            assertTrue(rest.isEmpty(), "expected the connection closed with nothing more, found " + rest);
        }
    }

    @ParameterizedTest
    @EnumSource(Script.class)
    void injectedCommandIsNeverAnsweredInsideTls(Script s) throws Exception {
        try (ProtocolTestServer server = new ProtocolTestServer(s.protocol, tls, PlaintextPolicy.DISCARD);
                EnginePeer peer = EnginePeer.connect(server.port())) {
            s.toUpgradePoint(peer);
            peer.writePlain(s.injection);
            assertTrue(peer.readPlainLine().startsWith(s.positive));
            peer.startTls(jdk, true, "TLSv1.3");
            peer.writeTls(s.probe);
            // The first thing inside TLS answers the probe: the injected command got no answer.
            assertEquals(s.probeAnswer, peer.readTlsLine().trim());
        }
    }

    @Test
    void mailFromBeforeStarttlsIsForgottenAfterIt() throws Exception {
        try (ProtocolTestServer server = new ProtocolTestServer(StartTlsProtocol.SMTP, tls, PlaintextPolicy.FAIL);
                EnginePeer peer = EnginePeer.connect(server.port())) {
            Script.SMTP.toUpgradePoint(peer);
            peer.writePlain("MAIL FROM:<a@example.org>\r\n");
            assertEquals("250 2.1.0 OK", peer.readPlainLine().trim());
            peer.writePlain("STARTTLS\r\n");
            assertTrue(peer.readPlainLine().startsWith("220 "));
            peer.startTls(jdk, true, "TLSv1.2");
            peer.writeTls("RCPT TO:<b@example.org>\r\n");
            assertEquals("503 5.5.1 MAIL first", peer.readTlsLine().trim());
        }
    }

    @Test
    void plaintextSentSeparatelyAfterTheUpgradeFailsTheHandshake() throws Exception {
        try (ProtocolTestServer server = new ProtocolTestServer(StartTlsProtocol.SMTP, tls, PlaintextPolicy.DISCARD);
                EnginePeer peer = EnginePeer.connect(server.port())) {
            Script.SMTP.toUpgradePoint(peer);
            peer.writePlain("STARTTLS\r\n");
            assertTrue(peer.readPlainLine().startsWith("220 "));
            peer.writePlain("EHLO x\r\n");
            String rest = peer.drainUntilClosed();
            assertTrue(!rest.contains("250"), "expected no answer to EHLO, found " + rest);
        }
    }
}
