package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nettytls.verify.Verdicts.accepted;
import static org.nettytls.verify.Verdicts.refused;
import static org.nettytls.verify.Verdicts.trusting;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.HeldCertificate;

/**
 * Issue #15, items 5 to 9: chains that must be accepted (self-issued intermediates under a path
 * length, a second path when the first fails, a critical CRL distribution points extension,
 * validity at the granularity of whole seconds) and the validation clock and verify depth options.
 */
class PathBuildingTest {
    private static final Instant T = Instant.parse("2030-06-01T12:00:00Z");

    private static HeldCertificate.Builder leaf() {
        return HeldCertificate.builder().commonName("www.example.com").dns("www.example.com");
    }

    // ---- item 5 ------------------------------------------------------------------------------------

    @Test
    void selfIssuedIntermediatesDoNotCountTowardThePathLength() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Rollover Root").certificateAuthority(0).build();
        // The root renewed its key: the new key's certificate has the root's name, signed by the old key.
        HeldCertificate rollover = HeldCertificate.builder().subject(root.certificate().getSubjectX500Principal())
                .certificateAuthority(0).signedBy(root).build();
        HeldCertificate leaf = leaf().signedBy(rollover).build();
        assertEquals(2, leaf.chain().size(), "the leaf and the self-issued intermediate are sent");
        accepted(trusting("www.example.com", root).build(), leaf.chain());
        // A CA that is not self-issued still counts: pathLenConstraint 0 allows none.
        HeldCertificate other = HeldCertificate.builder().subject("O=Other CA").certificateAuthority(0).signedBy(root).build();
        refused(trusting("www.example.com", root).build(), leaf().signedBy(other).build().chain(),
                TlsErrorCode.UNTRUSTED_CHAIN, "pathLenConstraint", "self-issued ones not counted, RFC 5280 6.1.4 (l)");
        // Two levels: pathLen 0 at the top, a self-issued CA, then an ordinary one, is one too many.
        HeldCertificate below = HeldCertificate.builder().subject("O=Below").certificateAuthority(0).signedBy(rollover).build();
        refused(trusting("www.example.com", root).build(), leaf().signedBy(below).build().chain(),
                TlsErrorCode.UNTRUSTED_CHAIN, "allows 0 CA certificate(s) below it", "the chain has 1");
    }

    // ---- item 6 ------------------------------------------------------------------------------------

    @Test
    void anExpiredCrossSignedPathGivesWayToAValidOne() throws Exception {
        HeldCertificate oldRoot = HeldCertificate.builder().subject("O=Old Root").certificateAuthority(1)
                .validity(Instant.now().minus(3000, ChronoUnit.DAYS), Instant.now().minus(1, ChronoUnit.DAYS)).build();
        HeldCertificate newRoot = HeldCertificate.builder().subject("O=New Root").certificateAuthority(1).build();
        HeldCertificate viaNew = HeldCertificate.builder().subject("O=Issuing CA").certificateAuthority(0)
                .signedBy(newRoot).build();
        // The same CA, same key, cross-signed by the old root.
        HeldCertificate viaOld = HeldCertificate.builder().subjectAndKeyOf(viaNew).certificateAuthority(0)
                .signedBy(oldRoot).build();
        HeldCertificate leaf = leaf().signedBy(viaNew).build();
        PeerVerification both = trusting("www.example.com", oldRoot, newRoot).build();
        // The server sends the old cross-signature first: the first path ends at the expired root.
        List<X509Certificate> sent = List.of(leaf.certificate(), viaOld.certificate(), viaNew.certificate());
        accepted(both, sent);
        // Only the expired path: it is refused, and for the reason the first path failed.
        refused(both, List.of(leaf.certificate(), viaOld.certificate()), TlsErrorCode.CERT_EXPIRED, "'O=Old Root'", "expired at");
    }

    @Test
    void aNameConstrainedPathGivesWayToAnUnconstrainedOne() throws Exception {
        HeldCertificate constrainedRoot = HeldCertificate.builder().subject("O=Constrained Root").certificateAuthority(1)
                .permittedSubtree("DNS:corp.example").build();
        HeldCertificate openRoot = HeldCertificate.builder().subject("O=Open Root").certificateAuthority(1).build();
        HeldCertificate ca = HeldCertificate.builder().subject("O=Issuing CA").certificateAuthority(0)
                .signedBy(openRoot).build();
        HeldCertificate caUnderConstraint = HeldCertificate.builder().subjectAndKeyOf(ca).certificateAuthority(0)
                .signedBy(constrainedRoot).build();
        HeldCertificate leaf = leaf().signedBy(ca).build();
        PeerVerification v = trusting("www.example.com", constrainedRoot, openRoot).build();
        accepted(v, List.of(leaf.certificate(), caUnderConstraint.certificate(), ca.certificate()));
        refused(v, List.of(leaf.certificate(), caUnderConstraint.certificate()), TlsErrorCode.UNTRUSTED_CHAIN,
                "name constraints of 'O=Constrained Root'");
    }

    @Test
    void anExpiredTrustedCopyOfAnIntermediateGivesWayToTheOneSent() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Root").certificateAuthority(1).build();
        HeldCertificate ca = HeldCertificate.builder().subject("O=Issuing CA").certificateAuthority(0).signedBy(root).build();
        HeldCertificate expiredCopy = HeldCertificate.builder().subjectAndKeyOf(ca).certificateAuthority(0)
                .validity(Instant.now().minus(800, ChronoUnit.DAYS), Instant.now().minus(2, ChronoUnit.DAYS)).signedBy(root).build();
        HeldCertificate leaf = leaf().signedBy(ca).build();
        accepted(trusting("www.example.com", expiredCopy, root).build(), leaf.chain());
    }

    @Test
    void theSearchIsBounded() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Root").certificateAuthority(3).build();
        HeldCertificate ca = HeldCertificate.builder().subject("O=Issuing CA").certificateAuthority(0).signedBy(root).build();
        HeldCertificate leaf = leaf().signedBy(ca).build();
        List<X509Certificate> expiredCopies = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            expiredCopies.add(HeldCertificate.builder().subjectAndKeyOf(ca).certificateAuthority(0)
                    .validity(Instant.now().minus(10, ChronoUnit.DAYS), Instant.now().minus(1, ChronoUnit.DAYS))
                    .signedBy(root).build().certificate());
        }
        PeerVerification v = trusting("www.example.com", root).build();
        // A few failing paths before the good one: it is found.
        List<X509Certificate> few = new ArrayList<>(List.of(leaf.certificate()));
        few.addAll(expiredCopies.subList(0, ChainValidator.MAX_PATHS - 1));
        few.add(ca.certificate());
        accepted(v, few);
        // More failing paths than the search judges: it stops, and reports the first.
        List<X509Certificate> many = new ArrayList<>(List.of(leaf.certificate()));
        many.addAll(expiredCopies);
        many.add(ca.certificate());
        TlsException e = refused(v, many, TlsErrorCode.CERT_EXPIRED, "'O=Issuing CA'", "expired at");
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    // ---- item 7 ------------------------------------------------------------------------------------

    @Test
    void aCriticalCrlDistributionPointsExtensionIsUnderstood() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Root").certificateAuthority(1).build();
        HeldCertificate ca = HeldCertificate.builder().subject("O=CA").certificateAuthority(0).crlUrl("http://crl.example/ca.crl")
                .extensionCritical("2.5.29.31", true).signedBy(root).build();
        HeldCertificate leaf = leaf().crlUrl("http://crl.example/leaf.crl").extensionCritical("2.5.29.31", true).signedBy(ca).build();
        assertTrue(leaf.certificate().getCriticalExtensionOIDs().contains("2.5.29.31"));
        accepted(trusting("www.example.com", root).build(), leaf.chain());
        // Any other unknown critical extension is still refused.
        HeldCertificate odd = leaf().addExtension("1.3.6.1.4.1.99999.1", true, new byte[] {5, 0}).signedBy(ca).build();
        refused(trusting("www.example.com", root).build(), odd.chain(), TlsErrorCode.PEER_CERT_REJECTED,
                "critical extension 1.3.6.1.4.1.99999.1 that is not understood");
    }

    // ---- item 8 ------------------------------------------------------------------------------------

    private static PeerVerification at(Instant now, HeldCertificate root) throws TlsException {
        return trusting("www.example.com", root).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
    }

    @Test
    void validityIsComparedInWholeSeconds() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Root").certificateAuthority(1)
                .validity(T.minus(365, ChronoUnit.DAYS), T.plus(365, ChronoUnit.DAYS)).build();
        HeldCertificate leaf = leaf().validity(T.minus(30, ChronoUnit.DAYS), T).signedBy(root).build();
        accepted(at(T, root), leaf.chain());
        // 5 ms after a notAfter of 12:00:00 is still within the second the certificate names.
        accepted(at(T.plusMillis(5), root), leaf.chain());
        refused(at(T.plusMillis(1005), root), leaf.chain(), TlsErrorCode.CERT_EXPIRED,
                "expired at 2030-06-01T12:00:00Z (now 2030-06-01T12:00:01Z)");
        HeldCertificate future = leaf().validity(T.plusSeconds(1), T.plus(30, ChronoUnit.DAYS)).signedBy(root).build();
        refused(at(T.plusMillis(999), root), future.chain(), TlsErrorCode.CERT_NOT_YET_VALID,
                "not valid before 2030-06-01T12:00:01Z (now 2030-06-01T12:00:00Z)");
        accepted(at(T.plusSeconds(1), root), future.chain());
    }

    @Test
    void aNotAfterWithFractionalSecondsNeverReadsExpiredAtTNowT() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Root").certificateAuthority(1)
                .validity(T.minus(365, ChronoUnit.DAYS), T.plus(365, ChronoUnit.DAYS)).build();
        HeldCertificate leaf = leaf().generalizedTime(true).validity(T.minus(30, ChronoUnit.DAYS), T.plusMillis(500))
                .signedBy(root).build();
        assertEquals(T.plusMillis(500), leaf.certificate().getNotAfter().toInstant(), "the JDK reads the fraction");
        // 12:00:00.700 is after 12:00:00.5 by the clock, but within the second the date names.
        accepted(at(T.plusMillis(700), root), leaf.chain());
        TlsException e = refused(at(T.plusMillis(1200), root), leaf.chain(), TlsErrorCode.CERT_EXPIRED);
        assertTrue(e.getMessage().contains("expired at 2030-06-01T12:00:00Z (now 2030-06-01T12:00:01Z)"), e.getMessage());
        for (long ms = 1000; ms < 3000; ms += 37) {
            TlsException m = Verdicts.judge(at(T.plusMillis(ms), root), leaf.chain());
            String[] times = m.getMessage().replaceAll(".*expired at (\\S+) \\(now (\\S+)\\).*", "$1 $2").split(" ");
            assertFalse(times[0].equals(times[1]), m.getMessage());
        }
    }

    // ---- item 9 ------------------------------------------------------------------------------------

    @Test
    void theValidationClockDecidesEveryDate() throws Exception {
        Instant past = Instant.now().minus(400, ChronoUnit.DAYS);
        HeldCertificate root = HeldCertificate.builder().subject("O=Root").certificateAuthority(1)
                .validity(past.minus(100, ChronoUnit.DAYS), past.plus(100, ChronoUnit.DAYS)).build();
        HeldCertificate leaf = leaf().serialNumber(BigInteger.valueOf(7))
                .validity(past.minus(10, ChronoUnit.DAYS), past.plus(10, ChronoUnit.DAYS)).signedBy(root).build();
        // Long expired now; valid at the clock's time.
        refused(trusting("www.example.com", root).build(), leaf.chain(), TlsErrorCode.CERT_EXPIRED);
        accepted(at(past, root), leaf.chain());
        // CRLs too: one current at the clock's time (and long expired now) that revokes nothing.
        CrlStore crls = CrlStore.builder().addCrls(List.of(root.crl(Map.of(), past.minus(1, ChronoUnit.DAYS),
                past.plus(1, ChronoUnit.DAYS)))).build();
        PeerVerification withCrl = trusting("www.example.com", root).clock(Clock.fixed(past, ZoneOffset.UTC))
                .crls(crls, false).build();
        accepted(withCrl, leaf.chain());
        CrlStore revoking = CrlStore.builder().addCrls(List.of(root.crl(Map.of(BigInteger.valueOf(7), 1), past.minus(1, ChronoUnit.DAYS),
                past.plus(1, ChronoUnit.DAYS)))).build();
        refused(trusting("www.example.com", root).clock(Clock.fixed(past, ZoneOffset.UTC)).crls(revoking, false).build(),
                leaf.chain(), TlsErrorCode.REVOKED);
        // The trust manager reads the verification's clock.
        TlsTrustManager tm = new TlsTrustManager(withCrl, List.of());
        tm.checkServerTrusted(leaf.chain().toArray(new X509Certificate[0]), "ECDHE_ECDSA");
    }

    @Test
    void theVerifyDepthCountsIntermediatesAsOpenSslDoes() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Root").certificateAuthority(12).build();
        HeldCertificate up = root;
        List<HeldCertificate> cas = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            up = HeldCertificate.builder().subject("O=CA " + i).certificateAuthority(10 - i).signedBy(up).build();
            cas.add(up);
        }
        HeldCertificate two = leaf().signedBy(cas.get(1)).build();
        assertEquals(3, two.chain().size());
        refused(trusting("www.example.com", root).maxChainDepth(1).build(), two.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "longer than 2 certificates", "at most 1 intermediates");
        accepted(trusting("www.example.com", root).maxChainDepth(2).build(), two.chain());
        // The default, as before the option: 9 intermediates pass, 10 do not.
        accepted(trusting("www.example.com", root).build(), leaf().signedBy(cas.get(8)).build().chain());
        refused(trusting("www.example.com", root).build(), leaf().signedBy(cas.get(9)).build().chain(),
                TlsErrorCode.UNTRUSTED_CHAIN, "at most 9 intermediates");
        accepted(trusting("www.example.com", root).maxChainDepth(10).build(), leaf().signedBy(cas.get(9)).build().chain());
        assertThrows(IllegalArgumentException.class, () -> PeerVerification.builder().maxChainDepth(21));
        assertNull(Verdicts.judge(trusting("www.example.com", root).maxChainDepth(0).build(),
                leaf().signedBy(root).build().chain()), "depth 0: a leaf issued by the anchor itself");
    }
}
