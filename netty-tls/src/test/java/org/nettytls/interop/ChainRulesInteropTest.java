package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.Pem;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.verify.SecurityFloor;

/**
 * Issue #15, items 1 to 4, in a real TLS handshake: a netty-tls client against
 * {@code openssl s_server} serving each hostile chain. The client's trust manager refuses inside
 * the handshake, with the stable code and a message naming the certificate and the rule; s_server
 * reports the alert; the bytes the client wrote before the handshake finished never reach it.
 */
class ChainRulesInteropTest {
    private static final String EARLY = "EARLY-MARKER-written-before-the-handshake";

    @TempDir
    static Path dir;
    static HeldCertificate root;
    static Path caFile;

    private final Loopback loop = new Loopback();
    private PeerProcess server;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().subject("O=Chain Rules Root").certificateAuthority(2).build();
        caFile = write("ca.pem", root.certificatePem());
    }

    private static Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.US_ASCII);
        return p;
    }

    @AfterEach
    void stop() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            loop.close();
        }
    }

    /** s_server for one connection with {@code leaf} and its chain; security level 0 so it loads weak keys too. */
    private int startServer(String name, HeldCertificate leaf) throws Exception {
        String openssl = Interop.require("openssl");
        write(name + ".pem", leaf.certificatePem());
        write(name + ".key", leaf.privateKeyPem());
        List<X509Certificate> rest = leaf.chain().subList(1, leaf.chain().size());
        List<String> command = new ArrayList<>(List.of(openssl, "s_server", "-accept", "127.0.0.1:0",
                "-cert", name + ".pem", "-key", name + ".key", "-naccept", "1", "-cipher", "DEFAULT:@SECLEVEL=0"));
        if (!rest.isEmpty()) {
            write(name + "-chain.pem", Pem.certificates(rest));
            command.addAll(List.of("-cert_chain", name + "-chain.pem"));
        }
        server = PeerProcess.start(dir, command);
        return server.awaitPort("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
    }

    private static TlsClientContext client(Path ca, SecurityFloor floor) throws TlsException {
        return TlsClientContext.create(TlsClientOptions.builder().caFile(ca).securityFloor(floor).build());
    }

    /**
     * Connects to s_server serving {@code leaf} under the name {@code host}, writes {@link #EARLY}
     * at once, and checks the refusal: its code, the alert s_server reports, nothing delivered.
     */
    private TlsException refused(String name, HeldCertificate leaf, String host, TlsErrorCode code, String alert)
            throws Exception {
        int port = startServer(name, leaf);
        Side client = loop.client(client(caFile, SecurityFloor.STANDARD), host, port);
        Loopback.writeNow(client, EARLY + "\n");
        Throwable failure = client.handshakeFailure();
        assertNotNull(failure, () -> "the handshake must fail\n" + server.describe());
        TlsException e = TlsException.classify(failure);
        assertEquals(code, e.code(), () -> e + "\n" + server.describe());
        assertEquals(code, client.awaitFailureEvent().code(), "the failure also arrives as a pipeline event");
        client.awaitClosed();
        int exit = server.awaitExit();
        String described = server.describe();
        assertFalse(server.stdout().contains(EARLY) || server.stderr().contains(EARLY),
                "bytes written before the handshake reached a server that failed verification:\n" + described);
        assertTrue(server.stderr().contains(alert), "s_server should report '" + alert + "' (exit " + exit + ")\n" + described);
        return e;
    }

    @Test
    void item1aCommonNameOutsideTheConstraintsIsRefused() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Example Only CA").certificateAuthority(0)
                .permittedSubtree("DNS:example.com").signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").dns("www.example.com").signedBy(ca).build();
        TlsException e = refused("cn", leaf, "localhost", TlsErrorCode.UNTRUSTED_CHAIN, "alert certificate unknown");
        assertTrue(e.getMessage().contains("'localhost', the name") && e.getMessage().contains("O=Example Only CA")
                && e.getMessage().contains("RFC 5280 4.2.1.10"), e.getMessage());
    }

    @Test
    void item1aWildcardReachingAnExcludedSubtreeIsRefused() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Excluding CA").certificateAuthority(0)
                .excludedSubtree("DNS:bar.example.com").signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("wildcard").dns("*.example.com").signedBy(ca).build();
        TlsException e = refused("wild", leaf, "bar.example.com", TlsErrorCode.UNTRUSTED_CHAIN, "alert certificate unknown");
        assertTrue(e.getMessage().contains("*.example.com") && e.getMessage().contains("excluded subtree bar.example.com"),
                e.getMessage());
    }

    @Test
    void item2anRsa1024LeafIsRefusedAndAcceptedOnlyUnderTheLegacyFloor() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").dns("localhost").rsa(1024).signedBy(root).build();
        TlsException e = refused("rsa1024", leaf, "localhost", TlsErrorCode.WEAK_CRYPTO, "alert bad certificate");
        assertTrue(e.getMessage().contains("RSA key of 1024 bits"), e.getMessage());

        int port = startServer("rsa1024-legacy", leaf);
        Side legacy = loop.client(client(caFile, SecurityFloor.LEGACY), "localhost", port);
        Throwable failure = legacy.handshakeFailure();
        assertNull(failure, () -> "LEGACY accepts RSA-1024: " + failure + "\n" + server.describe());
    }

    @Test
    void item2aDsaRootIsRefused() throws Exception {
        HeldCertificate dsaRoot = HeldCertificate.builder().subject("O=DSA Root").dsa(2048).certificateAuthority(0).build();
        Path dsaCa = write("dsa-ca.pem", dsaRoot.certificatePem());
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(dsaRoot).build();
        int port = startServer("dsa", leaf);
        Side client = loop.client(client(dsaCa, SecurityFloor.STANDARD), "localhost", port);
        Loopback.writeNow(client, EARLY + "\n");
        Throwable failure = client.handshakeFailure();
        assertNotNull(failure, () -> "the handshake must fail\n" + server.describe());
        TlsException e = TlsException.classify(failure);
        assertEquals(TlsErrorCode.WEAK_CRYPTO, e.code(), e::toString);
        assertTrue(e.getMessage().contains("'O=DSA Root'") && e.getMessage().contains("DSA key"), e.getMessage());
        server.awaitExit();
        assertFalse(server.stdout().contains(EARLY), server.describe());
    }

    @Test
    void item3aLeafThatMaySignCertificatesIsRefused() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").dns("localhost")
                .keyUsage(KeyUsage.keyCertSign | KeyUsage.digitalSignature).signedBy(root).build();
        TlsException e = refused("keycertsign", leaf, "localhost", TlsErrorCode.PROFILE_VIOLATION, "alert certificate unknown");
        assertTrue(e.getMessage().contains("RFC 5280 4.2.1.3"), e.getMessage());
    }

    @Test
    void item4aHostileChainIsRefusedUnread() throws Exception {
        List<String> excluded = new ArrayList<>();
        for (int i = 0; i < 2049; i++) {
            excluded.add("x" + i + ".example.com");
        }
        HeldCertificate ca = HeldCertificate.builder().subject("O=Hostile CA").certificateAuthority(0)
                .nameConstraints(List.of(), excluded).signedBy(root).build();
        HeldCertificate.Builder b = HeldCertificate.builder().commonName("localhost").dns("localhost");
        for (int i = 0; i < 2047; i++) {
            b.dns("p" + i + ".example.com");
        }
        HeldCertificate leaf = b.signedBy(ca).build();
        TlsException e = refused("hostile", leaf, "localhost", TlsErrorCode.CHAIN_TOO_COMPLEX, "alert bad certificate");
        assertTrue(e.getMessage().contains("name-constraint subtrees") && e.getMessage().contains("bounded work"), e.getMessage());
    }
}
