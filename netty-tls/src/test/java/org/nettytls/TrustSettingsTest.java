package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.testing.Processes;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/**
 * OpenSSL trust settings in a CA file ({@code openssl x509 -addtrust ... -trustout}) attacked in
 * real handshakes: a CA the file trusts for e-mail only, or for the other TLS role only, must not
 * authenticate the peer, as OpenSSL (and so IO::Socket::SSL) refuses it.
 */
class TrustSettingsTest {
    @TempDir
    static Path dir;
    static HeldCertificate root;
    static HeldCertificate server;
    static HeldCertificate client;

    final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Trust Settings Root").certificateAuthority(0).build();
        server = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(root).build();
        client = HeldCertificate.builder().commonName("client").signedBy(root).build();
        Files.writeString(dir.resolve("root.pem"), root.certificatePem());
    }

    @AfterEach
    void close() {
        loop.close();
    }

    /** The root as a {@code TRUSTED CERTIFICATE} trusted for {@code purpose} only, made by openssl. */
    private static Path rootTrustedFor(String purpose) {
        String openssl = Interop.require("openssl");
        Path out = dir.resolve("root-" + purpose + ".pem");
        Processes.run(dir, openssl, "x509", "-in", "root.pem", "-addtrust", purpose, "-trustout", "-out", out.toString())
                .expectSuccess();
        return out;
    }

    private Throwable clientHandshake(Path caFile) throws TlsException {
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial()).build()),
                s -> { });
        return loop.client(TlsClientContext.create(TlsClientOptions.builder().caFile(caFile).build()), "localhost", port)
                .handshakeFailure();
    }

    private Throwable serverHandshake(Path caFile) throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial())
                .verifyMode(VerifyMode.REQUIRE).caFile(caFile).build()), accepted::complete);
        loop.client(TlsClientContext.create(TlsClientOptions.builder().caCertificates(root.certificate())
                .certificate(client.keyMaterial()).build()), "localhost", port);
        return accepted.get(10, TimeUnit.SECONDS).handshakeFailure();
    }

    @Test
    void aCaTrustedForEmailOnlyAuthenticatesNoTlsServer() throws Exception {
        Path emailOnly = rootTrustedFor("emailProtection");
        // Beside another CA (as in a distribution bundle) the file loads, and the server is refused.
        HeldCertificate otherRoot = HeldCertificate.builder().commonName("Other Root").certificateAuthority(0).build();
        Path bundle = dir.resolve("bundle.pem");
        Files.writeString(bundle, Files.readString(emailOnly) + otherRoot.certificatePem());
        Throwable refused = clientHandshake(bundle);
        assertNotNull(refused, "a CA trusted for emailProtection only must not authenticate a TLS server");
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, TlsException.classify(refused).code(), TlsException.classify(refused).toString());
        // Alone, the file holds no CA usable for TLS at all: a configuration that cannot work.
        TlsException e = assertThrows(TlsException.class, () -> clientHandshake(emailOnly));
        assertEquals(TlsErrorCode.BAD_INPUT, e.code(), e.toString());
        assertNull(clientHandshake(rootTrustedFor("serverAuth")));
        assertNull(clientHandshake(rootTrustedFor("anyExtendedKeyUsage")));
    }

    @Test
    void aCaTrustedForClientsOnlyAuthenticatesNoServerAndTheOtherWayRound() throws Exception {
        Throwable clientSide = clientHandshake(rootTrustedFor("clientAuth"));
        assertNotNull(clientSide, "a CA trusted for clientAuth only must not authenticate a server");
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, TlsException.classify(clientSide).code(), TlsException.classify(clientSide).toString());
        assertNull(serverHandshake(rootTrustedFor("clientAuth")));
        Throwable serverSide = serverHandshake(rootTrustedFor("serverAuth"));
        assertNotNull(serverSide, "a CA trusted for serverAuth only must not authenticate a client");
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, TlsException.classify(serverSide).code(), TlsException.classify(serverSide).toString());
    }
}
