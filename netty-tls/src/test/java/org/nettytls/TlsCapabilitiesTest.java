package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/** {@link TlsCapabilities} on the engine this project pins (netty-tcnative-boringssl-static 2.0.84). */
class TlsCapabilitiesTest {
    private final Loopback loop = new Loopback();

    @AfterEach
    void close() {
        loop.close();
    }

    @Test
    void thePinnedBoringSslCanDoWhatTheProjectReliesOn() {
        TlsCapabilities c = TlsCapabilities.current();
        assertSame(c, TlsCapabilities.current(), "probed once per process");
        assertTrue(c.available(), c::toString);
        assertNull(c.unavailableBecause());
        assertEquals("BoringSSL", c.engine());
        assertTrue(c.alpn(), "can_alpn");
        assertTrue(c.ocsp(), "can_ocsp");
        assertTrue(c.tls13(), "TLS 1.3");
        assertTrue(c.keyLog(), "key log callback");
        assertTrue(c.ticketKeyCallback(), "can_ticket_keycb");
        assertTrue(c.clientSni() && c.serverSni() && c.npn() && c.ecdh(), c::toString);
        assertTrue(c.groups().containsAll(List.of("X25519MLKEM768", "X25519", "P-256", "P-384")), c.groups()::toString);
        assertEquals("X25519MLKEM768", c.groups().get(0), "post-quantum hybrid first");
    }

    @Test
    void byNameUsesTheReferencesNames() {
        Map<String, Object> m = TlsCapabilities.current().byName();
        assertEquals(List.of("engine", "can_client_sni", "can_server_sni", "can_npn", "can_alpn", "can_ecdh", "can_ocsp",
                "can_ticket_keycb", "tls1_3", "keylog", "groups"), List.copyOf(m.keySet()));
        assertEquals(Boolean.TRUE, m.get("can_alpn"));
        assertEquals(TlsCapabilities.current().groups(), m.get("groups"));
    }

    /** The probe must not claim a group the engine then refuses: each one is negotiated alone. */
    @Test
    void everyGroupOnOfferIsNegotiatedWhenItIsTheOnlyOne() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Groups CA").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
        for (String group : TlsCapabilities.current().groups()) {
            int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                    .keyExchangeGroups(group).build()), s -> { });
            Side client = loop.client(TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate())
                    .keyExchangeGroups(group).build()), "localhost", port);
            assertEquals(group, TlsConnectionInfo.of(client.handshake.get(10, TimeUnit.SECONDS)).keyExchangeGroup());
        }
    }
}
