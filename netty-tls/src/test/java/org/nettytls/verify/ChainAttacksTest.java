package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.HeldCertificate;

/**
 * Chains built to slip past a validator that stops at its first finding, ignores what a trusted
 * certificate itself says, or can be made to work without bound. Each is judged exactly as the
 * handshake judges it ({@link PeerJudge} through {@link TlsTrustManager}'s code path).
 */
class ChainAttacksTest {
    private static final Instant NOW = Instant.now();

    private static TlsException judge(PeerVerification v, List<X509Certificate> chain, boolean peerIsServer) {
        PeerJudge.Refusal r = PeerJudge.judge(v, new PeerContext(chain, null, peerIsServer), NOW, true);
        return r == null ? null : r.exception;
    }

    private static PeerVerification.Builder trusting(HeldCertificate root) {
        return PeerVerification.builder().trust(CaStore.of(root.certificate())).enforce(true)
                .checkName(HostnameScheme.defaultScheme(), "bank.example", PublicSuffix.builtIn());
    }

    @Test
    void forgivingExpiryDoesNotForgiveANonCaIssuer() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Root").certificateAuthority(1).build();
        // Any expired leaf of a trusted CA, whose key an attacker holds, used as an issuer.
        HeldCertificate oldLeaf = HeldCertificate.builder().commonName("old.example").dns("old.example")
                .validity(NOW.minus(400, ChronoUnit.DAYS), NOW.minus(1, ChronoUnit.DAYS)).signedBy(root).build();
        HeldCertificate forged = HeldCertificate.builder().commonName("bank.example").dns("bank.example")
                .signedBy(oldLeaf).build();
        List<String> seen = new ArrayList<>();
        VerifyCallback ignoreExpiry = (ok, cert, depth, error) -> {
            seen.add(depth + ":" + (error == null ? "ok" : error.code().id()));
            return ok || error.code() == TlsErrorCode.CERT_EXPIRED;
        };
        TlsException e = judge(trusting(root).callback(ignoreExpiry).build(), forged.chain(), true);
        assertNotNull(e, "a certificate that is no CA must not issue, expired or not");
        assertTrue(e.getMessage().contains("is not a CA"), e.getMessage());
        assertTrue(seen.contains("1:cert-expired") && seen.contains("1:untrusted-chain"),
                "the callback hears of both failures at depth 1: " + seen);
    }

    @Test
    void aTrustedRootsNameConstraintsBindTheChain() throws Exception {
        HeldCertificate corpRoot = HeldCertificate.builder().commonName("Corp Root").certificateAuthority(1)
                .nameConstraints(List.of("corp.example"), List.of()).build();
        HeldCertificate direct = HeldCertificate.builder().commonName("bank.example").dns("bank.example")
                .signedBy(corpRoot).build();
        TlsException e = judge(trusting(corpRoot).build(), direct.chain(), true);
        assertNotNull(e, "a root constrained to corp.example must not vouch for bank.example");
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, e.code());
        assertTrue(e.getMessage().contains("name constraints"), e.getMessage());

        HeldCertificate intermediate = HeldCertificate.builder().commonName("Corp Issuing").certificateAuthority(0)
                .signedBy(corpRoot).build();
        HeldCertificate viaIntermediate = HeldCertificate.builder().commonName("bank.example").dns("bank.example")
                .signedBy(intermediate).build();
        assertNotNull(judge(trusting(corpRoot).build(), viaIntermediate.chain(), true));

        HeldCertificate inside = HeldCertificate.builder().dns("www.corp.example").signedBy(intermediate).build();
        assertNull(judge(PeerVerification.builder().trust(CaStore.of(corpRoot.certificate())).enforce(true)
                .checkName(HostnameScheme.defaultScheme(), "www.corp.example", PublicSuffix.builtIn()).build(),
                inside.chain(), true));
        // The common name counts as a DNS name where there is no SAN.
        HeldCertificate cnOnly = HeldCertificate.builder().commonName("bank.example").signedBy(intermediate).build();
        assertNotNull(judge(PeerVerification.builder().trust(CaStore.of(corpRoot.certificate())).enforce(true).build(),
                cnOnly.chain(), true));
    }

    @Test
    void aTrustedRootsPathLengthBindsTheChain() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Leaf-only Root").certificateAuthority(0).build();
        HeldCertificate intermediate = HeldCertificate.builder().commonName("Sneaky CA").certificateAuthority(0)
                .signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("bank.example").signedBy(intermediate).build();
        TlsException e = judge(trusting(root).build(), leaf.chain(), true);
        assertNotNull(e);
        assertTrue(e.getMessage().contains("pathLenConstraint"), e.getMessage());
    }

    @Test
    void anIssuerWithoutKeyCertSignMayNotIssue() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Root").certificateAuthority(1).build();
        HeldCertificate noSign = HeldCertificate.builder().commonName("CA without keyCertSign").certificateAuthority(0)
                .keyUsage(KeyUsage.digitalSignature).signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("bank.example").signedBy(noSign).build();
        TlsException e = judge(trusting(root).build(), leaf.chain(), true);
        assertNotNull(e);
        assertTrue(e.getMessage().contains("keyCertSign"), e.getMessage());
    }

    @Test
    void aClientCertificateThatCannotSignIsRefused() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Root").certificateAuthority(1).build();
        HeldCertificate cannotSign = HeldCertificate.builder().commonName("client").keyUsage(KeyUsage.keyEncipherment)
                .extendedKeyUsage().signedBy(root).build();
        TlsException e = judge(PeerVerification.builder().trust(CaStore.of(root.certificate())).enforce(true).build(),
                cannotSign.chain(), false);
        assertNotNull(e);
        assertEquals(TlsErrorCode.PEER_CERT_REJECTED, e.code());
        assertTrue(e.getMessage().contains("keyUsage"), e.getMessage());
    }

    @Test
    void anUnknownCriticalExtensionIsRefused() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Root").certificateAuthority(1).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("bank.example").signedBy(root).build();
        assertNull(judge(trusting(root).build(), leaf.chain(), true), "control: the plain chain is fine");
        // Name constraints on a leaf are critical and meaningless; here it stands for "critical and not ours".
        X509Certificate odd = HeldCertificate.builder().dns("bank.example").extendedKeyUsage("1.2.3.4")
                .signedBy(root).build().certificate();
        assertNotNull(judge(trusting(root).build(), List.of(odd), true), "an EKU without serverAuth is refused");
    }

    @Test
    void hugeChainsAreRefusedUnread() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Root").certificateAuthority(1).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("bank.example").signedBy(root).build();
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf.certificate());
        HeldCertificate decoy = HeldCertificate.builder().commonName("Root").certificateAuthority(0).build();
        for (int i = 0; i < ChainValidator.MAX_PEER_CERTIFICATES; i++) {
            chain.add(decoy.certificate());
        }
        TlsException e = judge(trusting(root).build(), chain, true);
        assertNotNull(e);
        assertTrue(e.getMessage().contains("refused unread"), e.getMessage());
        // Within the limit, decoys that share the issuer's name but not its key are skipped, and the real root is found.
        assertNull(judge(trusting(root).build(), chain.subList(0, ChainValidator.MAX_PEER_CERTIFICATES), true));
    }
}
