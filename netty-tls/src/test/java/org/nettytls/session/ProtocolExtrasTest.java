package org.nettytls.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsDefaults;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.VerifyMode;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/** Groups, cipher order, NPN, DH, the context customiser, and process-wide defaults and policy. */
class ProtocolExtrasTest {
    static HeldCertificate ca;
    static HeldCertificate leaf;
    private final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Extras CA").certificateAuthority(0).build();
        leaf = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
    }

    @AfterEach
    void close() {
        TlsDefaults.reset();
        loop.close();
    }

    private TlsConnectionInfo connect(TlsServerOptions.Builder server, TlsClientOptions.Builder client) throws Exception {
        int port = loop.server(TlsServerContext.create(server.certificate(leaf.keyMaterial()).build()), s -> { });
        Side side = loop.client(TlsClientContext.create(client.caCertificates(ca.certificate()).build()), "localhost", port);
        return TlsConnectionInfo.of(side.handshake.get());
    }

    @Test
    void postQuantumHybridIsNegotiatedByDefaultAndGroupsFollowTheOrderGiven() throws Exception {
        assertEquals("X25519MLKEM768", connect(TlsServerOptions.builder(), TlsClientOptions.builder()).keyExchangeGroup());
        assertEquals("P-384", connect(TlsServerOptions.builder(), TlsClientOptions.builder().keyExchangeGroups("secp384r1"))
                .keyExchangeGroup());
        assertEquals("P-384", connect(TlsServerOptions.builder().keyExchangeGroups("P-384:P-256"),
                TlsClientOptions.builder().keyExchangeGroups("P-256:P-384")).keyExchangeGroup(),
                "BoringSSL servers choose by their own order");
        assertEquals("P-256", connect(TlsServerOptions.builder().keyExchangeGroups("prime256v1"), TlsClientOptions.builder())
                .keyExchangeGroup(), "the client offers P-256 among its defaults");
        TlsException e = assertThrows(TlsException.class, () -> TlsClientOptions.builder().keyExchangeGroups("P-999").build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("SSL_ecdh_curve") && e.getMessage().contains("P-999"), e.getMessage());
    }

    @Test
    void cipherOrderIsTheServersUnlessToldToHonourTheClients() throws Exception {
        String serverOrder = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256";
        TlsClientOptions.Builder client = TlsClientOptions.builder().protocols("TLSv1_2")
                .cipherList("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384");
        assertEquals("ECDHE-ECDSA-AES256-GCM-SHA384",
                connect(TlsServerOptions.builder().cipherList(serverOrder), client).cipher());
        client = TlsClientOptions.builder().protocols("TLSv1_2")
                .cipherList("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384");
        assertEquals("ECDHE-ECDSA-AES128-GCM-SHA256",
                connect(TlsServerOptions.builder().cipherList(serverOrder).honorCipherOrder(false), client).cipher());
    }

    @Test
    void npnIsNegotiatedOverTls12() throws Exception {
        TlsConnectionInfo info = connect(TlsServerOptions.builder().protocols("TLSv1_2").npnProtocols("spdy/3", "http/1.1"),
                TlsClientOptions.builder().npnProtocols("http/1.1"));
        assertEquals("http/1.1", info.npn());
        TlsException e = assertThrows(TlsException.class,
                () -> TlsClientOptions.builder().alpnProtocols("h2").npnProtocols("spdy/3").build());
        assertTrue(e.getMessage().contains("SSL_npn_protocols"), e.getMessage());
    }

    @Test
    void dhParametersAreRefusedWithTheReason() {
        TlsException e = assertThrows(TlsException.class,
                () -> TlsServerOptions.builder().certificate(leaf.keyMaterial()).dhFile(Path.of("dh2048.pem")).build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("SSL_dh_file") && e.getMessage().contains("DHE"), e.getMessage());
    }

    @Test
    void contextCustomizerRunsAfterTheDefaults() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .contextCustomizer(b -> {
                    calls.incrementAndGet();
                    b.sessionCacheSize(128);
                }).build());
        assertEquals(1, calls.get());
        assertEquals(128, server.sslContext().sessionContext().getSessionCacheSize());
    }

    @Test
    void processWideDefaultsApplyAndThePolicyHasTheLastWord() throws Exception {
        TlsDefaults.setDefaults(b -> b.protocols("TLSv1_2"));
        TlsDefaults.setClientDefaults(b -> b.serverName("defaults.example"));
        assertEquals("defaults.example", TlsClientOptions.builder().build().serverName());
        assertTrue(!TlsServerOptions.builder().certificate(leaf.keyMaterial()).build().protocols()
                .contains(org.nettytls.TlsVersion.TLS_1_3));
        assertEquals("explicit", TlsClientOptions.builder().serverName("explicit").build().serverName(),
                "what the caller sets wins over a default");

        // The attack: a library turns verification off; the application's policy turns it back on.
        TlsDefaults.setPolicy((proposed, builder) -> {
            if (proposed.verifyMode() == VerifyMode.NONE && proposed instanceof TlsClientOptions) {
                builder.verifyMode(VerifyMode.PEER);
            }
        });
        TlsClientOptions fromLibrary = TlsClientOptions.builder().verifyMode(VerifyMode.NONE).build();
        assertEquals(VerifyMode.PEER, fromLibrary.verifyMode());
        HeldCertificate stranger = HeldCertificate.builder().dns("localhost").build();
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().protocols("TLSv1_3")
                .certificate(stranger.keyMaterial()).build()), s -> { });
        Side side = loop.client(TlsClientContext.create(TlsClientOptions.builder().verifyMode(VerifyMode.NONE)
                .protocols("TLSv1_3").caCertificates(ca.certificate()).build()), "localhost", port);
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, TlsException.classify(side.handshakeFailure()).code());
    }
}
