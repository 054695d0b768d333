package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.DEROctetString;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.cert.HeldCertificate;

/** Every rule that decides whether an OCSP response may be believed, each attacked with a response that breaks only it. */
class OcspVerifierTest {
    static HeldCertificate root;
    static HeldCertificate ca;
    static HeldCertificate otherCa;
    static HeldCertificate leaf;
    static HeldCertificate sibling;
    static HeldCertificate responder;
    static HeldCertificate responderNoEku;
    static HeldCertificate responderFromOtherCa;
    static HeldCertificate responderExpired;
    static HeldCertificate localResponder;

    static final OcspVerifier VERIFIER = new OcspVerifier(Duration.ofMinutes(5), Duration.ofDays(1), 64 * 1024, List.of());

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("OCSP Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().commonName("OCSP CA").certificateAuthority(0).signedBy(root).build();
        otherCa = HeldCertificate.builder().commonName("OCSP CA").certificateAuthority(0).signedBy(root).build();
        leaf = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(1000)).signedBy(ca).build();
        sibling = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(1001)).signedBy(ca).build();
        responder = HeldCertificate.builder().commonName("OCSP Responder").extendedKeyUsage(HeldCertificate.OCSP_SIGNING)
                .signedBy(ca).build();
        responderNoEku = HeldCertificate.builder().commonName("Not a Responder")
                .extendedKeyUsage(HeldCertificate.SERVER_AUTH).signedBy(ca).build();
        responderFromOtherCa = HeldCertificate.builder().commonName("Foreign Responder")
                .extendedKeyUsage(HeldCertificate.OCSP_SIGNING).signedBy(otherCa).build();
        responderExpired = HeldCertificate.builder().commonName("Old Responder").extendedKeyUsage(HeldCertificate.OCSP_SIGNING)
                .validity(Instant.now().minus(Duration.ofDays(10)), Instant.now().minus(Duration.ofDays(1))).signedBy(ca).build();
        localResponder = HeldCertificate.builder().commonName("Local Responder").build();
    }

    static OcspStatus verify(byte[] der) {
        return VERIFIER.verify(der, leaf.certificate(), ca.certificate(), null, Instant.now(), OcspStatus.Source.STAPLE);
    }

    static void assertSoft(OcspStatus s, String detail) {
        assertEquals(OcspStatus.Result.SOFT_FAILURE, s.result(), s.toString());
        assertTrue(s.detail().contains(detail), "expected '" + detail + "' in: " + s.detail());
    }

    @Test
    void aGoodResponseSignedByTheIssuerIsGoodUntilItsNextUpdate() throws Exception {
        Instant next = Instant.now().plusSeconds(7200).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        OcspStatus s = verify(Responses.forCert(leaf, ca).times(Instant.now().minusSeconds(60), next).build());
        assertEquals(OcspStatus.Result.GOOD, s.result(), s.toString());
        assertEquals(next, s.nextUpdate());
        assertEquals(next, s.validUntil());
    }

    @Test
    void revokedCarriesItsReasonAndUnknownIsHard() throws Exception {
        OcspStatus revoked = verify(Responses.forCert(leaf, ca).revoked(1).build());
        assertEquals(OcspStatus.Result.REVOKED, revoked.result());
        assertTrue(revoked.detail().contains("keyCompromise"), revoked.toString());
        assertTrue(revoked.isHardFailure());
        OcspStatus unknown = verify(Responses.forCert(leaf, ca).unknown().build());
        assertEquals(OcspStatus.Result.UNKNOWN, unknown.result());
        assertTrue(unknown.isHardFailure());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 6})
    void unsuccessfulStatusesAreSoftNeverGood(int status) throws Exception {
        assertSoft(verify(Responses.unsuccessful(status)), "instead of successful");
    }

    @Test
    void garbageAndOversizedResponsesAreSoft() throws Exception {
        assertSoft(verify(new byte[] {1, 2, 3}), "not an OCSP response");
        OcspVerifier small = new OcspVerifier(Duration.ofMinutes(5), Duration.ofDays(1), 100, List.of());
        byte[] der = Responses.forCert(leaf, ca).build();
        assertSoft(small.verify(der, leaf.certificate(), ca.certificate(), null, Instant.now(), OcspStatus.Source.STAPLE),
                "more than the limit of 100");
    }

    /** The reference's bug (a): an expired "good" is accepted, so a staple from before a revocation can be replayed. */
    @Test
    void anExpiredGoodIsNotGood() throws Exception {
        Instant now = Instant.now();
        assertSoft(verify(Responses.forCert(leaf, ca).times(now.minus(Duration.ofDays(2)), now.minus(Duration.ofMinutes(6)))
                .build()), "has expired");
        // Within the skew it still counts.
        assertEquals(OcspStatus.Result.GOOD, verify(Responses.forCert(leaf, ca)
                .times(now.minus(Duration.ofDays(2)), now.minus(Duration.ofMinutes(4))).build()).result());
    }

    @Test
    void aFutureDatedGoodIsNotGood() throws Exception {
        Instant now = Instant.now();
        assertSoft(verify(Responses.forCert(leaf, ca).times(now.plus(Duration.ofMinutes(6)), now.plus(Duration.ofDays(1)))
                .build()), "dated in the future");
        assertEquals(OcspStatus.Result.GOOD, verify(Responses.forCert(leaf, ca)
                .times(now.plus(Duration.ofMinutes(4)), now.plus(Duration.ofDays(1))).build()).result());
    }

    @Test
    void withoutNextUpdateTheMaximumAgeApplies() throws Exception {
        Instant now = Instant.now();
        OcspStatus fresh = verify(Responses.forCert(leaf, ca).times(now.minusSeconds(60), null).build());
        assertEquals(OcspStatus.Result.GOOD, fresh.result());
        assertEquals(fresh.thisUpdate().plus(Duration.ofDays(1)), fresh.validUntil());
        assertSoft(verify(Responses.forCert(leaf, ca).times(now.minus(Duration.ofDays(2)), null).build()), "maximum age");
    }

    @Test
    void theCertIdMustMatchOnAllFourFields() throws Exception {
        assertSoft(verify(Responses.forCert(leaf, ca).serial(BigInteger.valueOf(1001)).build()), "no answer for");
        assertSoft(verify(Responses.forCert(leaf, ca).issuerForId(otherCa.certificate()).build()), "no answer for");
        // A SHA-256 certID for the same certificate is as good as a SHA-1 one.
        assertEquals(OcspStatus.Result.GOOD, verify(Responses.forCert(leaf, ca).sha256Id().build()).result());
    }

    /** The reference's bug (b): a staple for another certificate satisfies it when the root is sent too. */
    @Test
    void aResponseForAnotherCertificateDoesNotCount() throws Exception {
        byte[] forSibling = Responses.forCert(sibling, ca).build();
        assertSoft(verify(forSibling), "no answer for");
        byte[] forRoot = Responses.forCert(ca, root).build();
        assertSoft(verify(forRoot), "not authorized");
    }

    @Test
    void whenOneResponseAnswersForSeveralTheMatchingAnswerIsUsed() throws Exception {
        byte[] der = Responses.forCert(leaf, ca).revoked(1).alsoFor(sibling.certificate(), ca.certificate()).build();
        assertEquals(OcspStatus.Result.REVOKED, verify(der).result());
    }

    @Test
    void aDelegatedResponderIssuedByTheIssuerWithOcspSigningMaySign() throws Exception {
        assertEquals(OcspStatus.Result.GOOD, verify(Responses.forCert(leaf, ca).signedBy(responder).build()).result());
        assertEquals(OcspStatus.Result.GOOD, verify(Responses.forCert(leaf, ca).signedBy(responder).responderIdByKey()
                .build()).result());
    }

    @Test
    void unauthorizedSignersAreRefused() throws Exception {
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(responderNoEku).build()), "lacks id-kp-OCSPSigning");
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(responderFromOtherCa).build()), "not signed by the issuer");
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(responderExpired).build()), "not valid now");
        // The root signs for its CA's certificates only through the CA.
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(root).build()), "not by the certificate's issuer");
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(localResponder).build()), "not by the certificate's issuer");
    }

    @Test
    void aLocallyTrustedResponderMaySign() throws Exception {
        OcspVerifier trusting = new OcspVerifier(Duration.ofMinutes(5), Duration.ofDays(1), 64 * 1024,
                List.of(localResponder.certificate()));
        byte[] der = Responses.forCert(leaf, ca).signedBy(localResponder).includeSigner(false).build();
        assertEquals(OcspStatus.Result.GOOD, trusting.verify(der, leaf.certificate(), ca.certificate(), null,
                Instant.now(), OcspStatus.Source.STAPLE).result());
    }

    @Test
    void theSignatureMustVerifyWithTheNamedSigner() throws Exception {
        // Responder ID names the issuer, but the responder's key signed it.
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(responder).responderIdFor(ca.certificate()).build()),
                "signature does not verify");
        // Responder ID names the responder, which is not included.
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(responder).includeSigner(false).build()),
                "names neither the issuer");
    }

    /**
     * RFC 6960 4.2.2.3: the responder ID must name the certificate that signed. An authorized
     * responder's valid signature does not make up for an ID that names another certificate,
     * whether the ID is a name or a key hash.
     */
    @Test
    void aResponderIdThatDoesNotNameTheSignerIsRefusedByNameAndByKeyHash() throws Exception {
        // Signed by the delegated responder, which is included; the ID names another certificate.
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(responder).responderIdFor(sibling.certificate()).build()),
                "names neither the issuer");
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(responder).responderIdFor(sibling.certificate())
                .responderIdByKey().build()), "names neither the issuer");
        // The ID is the issuer's key hash, the responder's key signed.
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(responder).responderIdFor(ca.certificate())
                .responderIdByKey().build()), "signature does not verify");
        // The issuer signed, the ID names (by key hash) its delegated responder, which is included.
        assertSoft(verify(Responses.forCert(leaf, ca).signedBy(ca).responderIdFor(responder.certificate())
                .responderIdByKey().build()), "names neither the issuer");
    }

    @Test
    void aNonceWhenSentMustMatch() throws Exception {
        byte[] sent = new DEROctetString(new byte[] {1, 2, 3, 4}).getEncoded();
        byte[] other = new DEROctetString(new byte[] {9, 9, 9, 9}).getEncoded();
        Instant now = Instant.now();
        assertEquals(OcspStatus.Result.GOOD, VERIFIER.verify(Responses.forCert(leaf, ca).nonce(sent).build(),
                leaf.certificate(), ca.certificate(), sent, now, OcspStatus.Source.RESOLVER).result());
        assertSoft(VERIFIER.verify(Responses.forCert(leaf, ca).nonce(other).build(), leaf.certificate(), ca.certificate(),
                sent, now, OcspStatus.Source.RESOLVER), "nonce differs");
        assertSoft(VERIFIER.verify(Responses.forCert(leaf, ca).build(), leaf.certificate(), ca.certificate(), sent, now,
                OcspStatus.Source.RESOLVER), "has none");
    }

    @Test
    void unknownCriticalExtensionsAreRefusedAndUnknownNonCriticalOnesIgnored() throws Exception {
        assertSoft(verify(Responses.forCert(leaf, ca).extension("1.2.3.4.5", true, new byte[] {1}).build()),
                "unknown critical extension 1.2.3.4.5");
        assertEquals(OcspStatus.Result.GOOD, verify(Responses.forCert(leaf, ca).extension("1.2.3.4.5", false,
                new byte[] {1}).build()).result());
    }
}
