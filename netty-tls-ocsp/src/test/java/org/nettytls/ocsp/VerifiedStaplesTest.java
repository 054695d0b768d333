package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;

/**
 * The client's memory of staples it verified: a staple's signature is checked once, but nothing
 * that depends on the clock is remembered, and an answer is never reused for other bytes, another
 * certificate or another issuer. Each rule is attacked with the staple that would slip through
 * if it were broken.
 */
class VerifiedStaplesTest {
    static HeldCertificate ca;
    static HeldCertificate otherCa;
    static HeldCertificate leaf;
    static HeldCertificate sibling;
    static HeldCertificate shortLivedResponder;
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @BeforeAll
    static void pki() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Staple Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().commonName("Staple CA").certificateAuthority(0).signedBy(root).build();
        otherCa = HeldCertificate.builder().commonName("Staple CA").certificateAuthority(0).signedBy(root).build();
        leaf = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(2000)).signedBy(ca).build();
        sibling = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(2001)).signedBy(ca).build();
        shortLivedResponder = HeldCertificate.builder().commonName("Short-lived Responder")
                .extendedKeyUsage(HeldCertificate.OCSP_SIGNING)
                .validity(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1))).signedBy(ca).build();
    }

    private static OcspVerifier verifier() {
        return new OcspVerifier(Duration.ofMinutes(5), Duration.ofDays(1), 64 * 1024, List.of());
    }

    private static OcspStatus staple(OcspVerifier v, byte[] der, HeldCertificate cert, HeldCertificate issuer, Instant now) {
        return v.verifyStaple(der, cert.certificate(), issuer.certificate(), now, OcspStatus.Source.STAPLE);
    }

    private static void assertSoft(OcspStatus s, String detail) {
        assertEquals(OcspStatus.Result.SOFT_FAILURE, s.result(), s.toString());
        assertTrue(s.detail().contains(detail), "expected '" + detail + "' in: " + s.detail());
    }

    @Test
    void aStapleSeenAgainGetsTheSameVerdictAndItsDatesAreCheckedEveryTime() throws Exception {
        OcspVerifier v = verifier();
        Instant next = NOW.plus(Duration.ofHours(2));
        byte[] der = Responses.forCert(leaf, ca).times(NOW.minusSeconds(60), next).build();
        OcspStatus first = staple(v, der, leaf, ca, NOW);
        assertEquals(OcspStatus.Result.GOOD, first.result(), first.toString());
        assertEquals(1, v.staples.size());
        OcspStatus again = staple(v, der, leaf, ca, NOW.plusSeconds(30));
        assertEquals(1, v.staples.size(), "the second check must be answered from memory");
        assertEquals(first.result(), again.result());
        assertEquals(first.thisUpdate(), again.thisUpdate());
        assertEquals(first.nextUpdate(), again.nextUpdate());
        assertEquals(first.validUntil(), again.validUntil());
        assertEquals(first.signerNotAfter(), again.signerNotAfter());
        // Past nextUpdate (and the skew) the remembered "good" is an expired staple like any other.
        assertSoft(staple(v, der, leaf, ca, next.plus(Duration.ofMinutes(6))), "has expired");
        // Before thisUpdate less the skew it is dated in the future.
        assertSoft(staple(v, der, leaf, ca, NOW.minus(Duration.ofMinutes(10))), "dated in the future");
        // And the fresh verifier says exactly the same at that time.
        assertSoft(verifier().verify(der, leaf.certificate(), ca.certificate(), null, next.plus(Duration.ofMinutes(6)),
                OcspStatus.Source.STAPLE), "has expired");
    }

    @Test
    void aRevokedStapleStaysRevokedAndNeverTurnsGood() throws Exception {
        OcspVerifier v = verifier();
        byte[] der = Responses.forCert(leaf, ca).revoked(1).times(NOW.minusSeconds(60), NOW.plus(Duration.ofHours(1))).build();
        for (int i = 0; i < 3; i++) {
            OcspStatus s = staple(v, der, leaf, ca, NOW.plusSeconds(i));
            assertEquals(OcspStatus.Result.REVOKED, s.result(), s.toString());
            assertTrue(s.detail().contains("keyCompromise"), s.toString());
        }
        assertSoft(staple(v, der, leaf, ca, NOW.plus(Duration.ofHours(2))), "has expired");
    }

    @Test
    void aVerifiedStapleIsNoAnswerForAnotherCertificateOrIssuer() throws Exception {
        OcspVerifier v = verifier();
        byte[] der = Responses.forCert(leaf, ca).build();
        assertEquals(OcspStatus.Result.GOOD, staple(v, der, leaf, ca, NOW).result());
        // The leaf's "good" replayed for its sibling, or with a different issuer of the same name.
        OcspStatus forSibling = staple(v, der, sibling, ca, NOW);
        assertEquals(OcspStatus.Result.SOFT_FAILURE, forSibling.result(), forSibling.toString());
        OcspStatus otherIssuer = staple(v, der, leaf, otherCa, NOW);
        assertEquals(OcspStatus.Result.SOFT_FAILURE, otherIssuer.result(), otherIssuer.toString());
        assertEquals(1, v.staples.size(), "only the verified answer is kept");
    }

    @Test
    void aStapleThatFailsACheckIsNotKept() throws Exception {
        OcspVerifier v = verifier();
        byte[] der = Responses.forCert(leaf, ca).build();
        // The signed producedAt (the first GeneralizedTime) a second later: parses, but the signature no longer holds.
        byte[] forged = der.clone();
        int at = 0;
        while (!(forged[at] == 0x18 && forged[at + 1] == 15)) {
            at++;
        }
        forged[at + 2 + 13] ^= 1;
        for (int i = 0; i < 2; i++) {
            assertSoft(staple(v, forged, leaf, ca, NOW), "signature does not verify");
        }
        assertSoft(staple(v, new byte[] {1, 2, 3}, leaf, ca, NOW), "not an OCSP response");
        assertSoft(staple(v, null, leaf, ca, NOW), "no response");
        assertEquals(0, v.staples.size());
        // The genuine staple still verifies: the forgery left nothing behind.
        assertEquals(OcspStatus.Result.GOOD, staple(v, der, leaf, ca, NOW).result());
    }

    @Test
    void aDelegatedResponderThatExpiresTakesItsRememberedStaplesWithIt() throws Exception {
        OcspVerifier v = verifier();
        byte[] der = Responses.forCert(leaf, ca).signedBy(shortLivedResponder)
                .times(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(1))).build();
        OcspStatus s = staple(v, der, leaf, ca, NOW);
        assertEquals(OcspStatus.Result.GOOD, s.result(), s.toString());
        assertEquals(1, v.staples.size());
        Instant later = NOW.plus(Duration.ofHours(2));
        OcspStatus remembered = staple(v, der, leaf, ca, later);
        assertSoft(remembered, "which is not authorized: it is not valid now");
        assertEquals(verifier().verify(der, leaf.certificate(), ca.certificate(), null, later, OcspStatus.Source.STAPLE)
                .detail(), remembered.detail(), "remembered or not, the same refusal");
    }

    @Test
    void theMemoryIsBoundedAndForgetsTheLeastRecentlyUsed() throws Exception {
        VerifiedStaples staples = new VerifiedStaples(2);
        X509Certificate l = leaf.certificate();
        X509Certificate i = ca.certificate();
        byte[] a = VerifiedStaples.key(new byte[] {1}, l, i);
        byte[] b = VerifiedStaples.key(new byte[] {2}, l, i);
        byte[] c = VerifiedStaples.key(new byte[] {3}, l, i);
        OcspVerifier.Signed signed = new OcspVerifier.Signed(new OcspVerifier.Signer(i, OcspVerifier.Signer.Kind.ISSUER),
                org.bouncycastle.cert.ocsp.CertificateStatus.GOOD, NOW, null);
        staples.put(a, signed);
        staples.put(b, signed);
        assertNotNull(staples.get(a));
        staples.put(c, signed);
        assertEquals(2, staples.size());
        assertNull(staples.get(b), "the least recently used entry goes first");
        assertNotNull(staples.get(a));
        // The key covers the certificate and the issuer, not only the response.
        assertTrue(!java.util.Arrays.equals(a, VerifiedStaples.key(new byte[] {1}, sibling.certificate(), i)));
        assertTrue(!java.util.Arrays.equals(a, VerifiedStaples.key(new byte[] {1}, l, otherCa.certificate())));
    }
}
