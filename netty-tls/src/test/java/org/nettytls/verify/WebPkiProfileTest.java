package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.nettytls.verify.Verdicts.accepted;
import static org.nettytls.verify.Verdicts.refused;
import static org.nettytls.verify.Verdicts.trusting;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.HeldCertificate;

/**
 * Issue #15, item 10: the opt-in WEBPKI profile refuses what the CA/Browser Forum Baseline
 * Requirements' certificate profile forbids, one rule per test, each against a control that the
 * profile accepts (and, where the rule is the profile's alone, that the default profile accepts).
 */
class WebPkiProfileTest {
    static HeldCertificate root;
    static HeldCertificate ca;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().subject("O=WebPKI Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().subject("O=WebPKI Issuing CA").certificateAuthority(0).signedBy(root).build();
    }

    private static PeerVerification webpki(String name) throws TlsException {
        return trusting(name, root).profile(ValidationProfile.WEBPKI).build();
    }

    private static PeerVerification byDefault(String name) throws TlsException {
        return trusting(name, root).build();
    }

    private static HeldCertificate.Builder leaf() {
        return HeldCertificate.builder().commonName("www.example.com").dns("www.example.com");
    }

    private static void profileRefuses(HeldCertificate.Builder leaf, String name, String... words) throws Exception {
        HeldCertificate c = leaf.signedBy(ca).build();
        refused(webpki(name), c.chain(), TlsErrorCode.PROFILE_VIOLATION, words);
        accepted(byDefault(name), c.chain());
    }

    @Test
    void aCertificateMadeToTheProfileIsAccepted() throws Exception {
        accepted(webpki("www.example.com"), leaf().signedBy(ca).build().chain());
        accepted(webpki("www.example.com"), leaf().ec("P-384").signatureAlgorithm("SHA384withECDSA").signedBy(ca).build().chain());
        accepted(webpki("www.example.com"), leaf().rsa(2048).signedBy(ca).build().chain());
        accepted(webpki("192.0.2.1"), HeldCertificate.builder().commonName("192.0.2.1").ip("192.0.2.1").signedBy(ca).build().chain());
        accepted(webpki("x.example.com"), HeldCertificate.builder().commonName("*.example.com").dns("*.example.com")
                .signedBy(ca).build().chain());
    }

    @Test
    void theSubjectAltNameIsRequired() throws Exception {
        profileRefuses(HeldCertificate.builder().commonName("www.example.com"), "www.example.com",
                "'CN=www.example.com'", "has no subjectAltName", "BR 7.1.2.7.12", "[WEBPKI profile]");
    }

    @Test
    void theCommonNameIsOneOfTheSubjectAltNamesWrittenTheSame() throws Exception {
        profileRefuses(HeldCertificate.builder().commonName("other.example.com").dns("www.example.com"), "www.example.com",
                "common name 'other.example.com'", "BR 7.1.4.3");
        profileRefuses(HeldCertificate.builder().commonName("WWW.Example.com").dns("www.example.com"), "www.example.com",
                "common name 'WWW.Example.com'");
        profileRefuses(HeldCertificate.builder().commonName("192.0.2.01").ip("192.0.2.1"), "192.0.2.1", "'192.0.2.01'");
        profileRefuses(HeldCertificate.builder().commonName("2001:DB8::1").ip("2001:db8::1"), "2001:db8::1", "'2001:DB8::1'");
        accepted(webpki("2001:db8::1"), HeldCertificate.builder().commonName("2001:db8::1").ip("2001:db8::1")
                .signedBy(ca).build().chain());
        profileRefuses(HeldCertificate.builder().subject("CN=www.example.com,CN=www.example.com").dns("www.example.com"),
                "www.example.com", "2 common names");
        accepted(webpki("www.example.com"), HeldCertificate.builder().subject("O=No CN").dns("www.example.com")
                .signedBy(ca).build().chain());
    }

    @Test
    void wildcardsAreWholeLeftmostLabelsNeverDirectlyUnderAPublicSuffix() throws Exception {
        profileRefuses(HeldCertificate.builder().commonName("w*.example.com").dns("w*.example.com"), "www.example.com",
                "not a whole leftmost label");
        HeldCertificate icann = HeldCertificate.builder().commonName("*.co.uk").dns("*.co.uk").signedBy(ca).build();
        refused(webpki("example.co.uk"), icann.chain(), TlsErrorCode.PROFILE_VIOLATION, "directly under a public suffix",
                "BR 3.2.2.6");
        HeldCertificate privateSection = HeldCertificate.builder().commonName("*.github.io").dns("*.github.io")
                .signedBy(ca).build();
        refused(webpki("someone.github.io"), privateSection.chain(), TlsErrorCode.PROFILE_VIOLATION, "*.github.io",
                "ICANN and private sections");
        accepted(webpki("x.example.co.uk"), HeldCertificate.builder().commonName("*.example.co.uk").dns("*.example.co.uk")
                .signedBy(ca).build().chain());
    }

    @Test
    void identityComesFromTheSubjectAltNameAlone() throws Exception {
        PeerVerification v = webpki("www.example.com");
        assertEquals(HostnameScheme.CheckCn.OFF, v.nameScheme().checkCn());
        assertEquals(HostnameScheme.Wildcards.FULL_LABEL, v.nameScheme().wildcardsInAlt());
        assertEquals(HostnameScheme.IpInCn.OFF, v.nameScheme().ipInCn());
        assertEquals(HostnameScheme.defaultScheme(), byDefault("www.example.com").nameScheme());
    }

    @Test
    void theLeafCarriesServerAuthAndNeverAnyExtendedKeyUsage() throws Exception {
        profileRefuses(leaf().extendedKeyUsage(), "www.example.com", "has no extendedKeyUsage", "BR 7.1.2.7.10");
        profileRefuses(leaf().extendedKeyUsage(HeldCertificate.SERVER_AUTH, "2.5.29.37.0"), "www.example.com",
                "anyExtendedKeyUsage");
        refused(webpki("www.example.com"), leaf().extendedKeyUsage(HeldCertificate.CLIENT_AUTH).signedBy(ca).build().chain(),
                TlsErrorCode.PROFILE_VIOLATION, "lacks serverAuth");
    }

    @Test
    void theLeafIsNoCa() throws Exception {
        profileRefuses(leaf().certificateAuthority(0).extendedKeyUsage(HeldCertificate.SERVER_AUTH), "www.example.com",
                "basicConstraints CA:TRUE", "BR 7.1.2.7.8");
    }

    @Test
    void aRootCarriesNoExtendedKeyUsage() throws Exception {
        HeldCertificate ekuRoot = HeldCertificate.builder().subject("O=EKU Root").certificateAuthority(0)
                .extendedKeyUsage(HeldCertificate.SERVER_AUTH).build();
        HeldCertificate leaf = leaf().signedBy(ekuRoot).build();
        refused(trusting("www.example.com", ekuRoot).profile(ValidationProfile.WEBPKI).build(), leaf.chain(),
                TlsErrorCode.PROFILE_VIOLATION, "depth 1 'O=EKU Root'", "BR 7.1.2.1.2");
        accepted(trusting("www.example.com", ekuRoot).build(), leaf.chain());
    }

    @Test
    void keyIdentifiersAreWhereTheyBelong() throws Exception {
        profileRefuses(leaf().omitExtension("2.5.29.35"), "www.example.com", "has no authorityKeyIdentifier", "RFC 5280 4.2.1.1");
        HeldCertificate noSki = HeldCertificate.builder().subject("O=No SKI CA").certificateAuthority(0)
                .omitExtension("2.5.29.14").signedBy(root).build();
        HeldCertificate leaf = leaf().signedBy(noSki).build();
        refused(webpki("www.example.com"), leaf.chain(), TlsErrorCode.PROFILE_VIOLATION, "without a subjectKeyIdentifier",
                "RFC 5280 4.2.1.2");
        accepted(byDefault("www.example.com"), leaf.chain());

        byte[] otherKeyId = new AuthorityKeyIdentifier(new byte[20]).getEncoded();
        HeldCertificate mismatched = HeldCertificate.builder().subject("O=AKI Root").certificateAuthority(0)
                .addExtension("2.5.29.35", false, otherKeyId).build();
        refused(trusting("www.example.com", mismatched).profile(ValidationProfile.WEBPKI).build(),
                leaf().signedBy(mismatched).build().chain(), TlsErrorCode.PROFILE_VIOLATION,
                "authorityKeyIdentifier differs from its subjectKeyIdentifier", "BR 7.1.2.1.3");
        java.security.KeyPair key = HeldCertificate.builder().build().keyPair();
        byte[] ownId = new org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils().createSubjectKeyIdentifier(key.getPublic())
                .getKeyIdentifier();
        byte[] withIssuer = new AuthorityKeyIdentifier(ownId, new GeneralNames(new GeneralName(
                GeneralName.dNSName, "x.example")), BigInteger.ONE).getEncoded();
        HeldCertificate namesIssuer = HeldCertificate.builder().subject("O=AKI Root 2").keyPair(key).certificateAuthority(0)
                .addExtension("2.5.29.35", false, withIssuer).build();
        refused(trusting("www.example.com", namesIssuer).profile(ValidationProfile.WEBPKI).build(),
                leaf().signedBy(namesIssuer).build().chain(), TlsErrorCode.PROFILE_VIOLATION, "names an issuer or serial number");
        HeldCertificate noAkiRoot = HeldCertificate.builder().subject("O=Plain Root").certificateAuthority(0)
                .omitExtension("2.5.29.35").build();
        accepted(trusting("www.example.com", noAkiRoot).profile(ValidationProfile.WEBPKI).build(),
                leaf().signedBy(noAkiRoot).build().chain());
    }

    @Test
    void onlyVersion3() throws Exception {
        HeldCertificate v1 = HeldCertificate.builder().commonName("www.example.com").version1().signedBy(ca).build();
        refused(webpki("www.example.com"), v1.chain(), TlsErrorCode.PROFILE_VIOLATION, "X.509 v1 certificate", "BR 7.1.1");
    }

    @Test
    void serialNumbersArePositiveAndAtMostTwentyOctets() throws Exception {
        profileRefuses(leaf().serialNumberUnchecked(BigInteger.ONE.shiftLeft(160)), "www.example.com",
                "serial number of 21 octets", "RFC 5280 4.1.2.2");
        profileRefuses(leaf().serialNumberUnchecked(BigInteger.valueOf(-5)), "www.example.com", "serial number -5");
        accepted(webpki("www.example.com"), leaf().serialNumber(BigInteger.ONE.shiftLeft(158)).signedBy(ca).build().chain());
    }

    @Test
    void keysAndSignaturesAreTheBaselineRequirementsOnes() throws Exception {
        profileRefuses(leaf().rsa(2052), "www.example.com", "RSA modulus of 2052 bits, not a multiple of 8", "BR 6.1.5");
        profileRefuses(leaf().ed25519(), "www.example.com", "Ed25519 key", "BR 6.1.5");
        profileRefuses(leaf().signatureAlgorithm("SHA224withECDSA"), "www.example.com", "SHA224withECDSA", "BR 7.1.3.2");
        accepted(webpki("www.example.com"), leaf().signatureAlgorithm("SHA512withECDSA").signedBy(ca).build().chain());
    }

    @Test
    void theAuthorityInformationAccessParsesAndIsNotEmpty() throws Exception {
        profileRefuses(leaf().addExtension("1.3.6.1.5.5.7.1.1", false, "malformed".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                "www.example.com", "authorityInformationAccess that cannot be read", "RFC 5280 4.2.2.1");
        profileRefuses(leaf().addExtension("1.3.6.1.5.5.7.1.1", false, new byte[] {0x30, 0x00}), "www.example.com",
                "empty authorityInformationAccess");
        accepted(webpki("www.example.com"), leaf().ocspUrl("http://ocsp.example/").signedBy(ca).build().chain());
    }

    @Test
    void nameConstraintsAreWellFormedAndOnlyInCas() throws Exception {
        profileRefuses(leaf().permittedSubtree("DNS:example.com"), "www.example.com", "has nameConstraints",
                "CA certificates only");
        checkMalformed(HeldCertificate.builder().addExtension("2.5.29.30", true, new byte[] {0x30, 0x00}),
                "neither permitted nor excluded subtrees");
        byte[] withMaximum = new NameConstraints(new GeneralSubtree[] {new GeneralSubtree(
                new GeneralName(GeneralName.dNSName, "example.com"), BigInteger.ZERO, BigInteger.TEN)}, null).getEncoded();
        checkMalformed(HeldCertificate.builder().addExtension("2.5.29.30", true, withMaximum), "maximum 10");
        checkMalformed(HeldCertificate.builder().permittedSubtree("IP:#c0000200ffff00ff"), "mask is not contiguous");
        checkMalformed(HeldCertificate.builder().permittedSubtree("IP:#c0000200"), "iPAddress subtree of 4 octets");
        // Non-critical name constraints: an exception to RFC 5280 the Baseline Requirements make.
        HeldCertificate nonCritical = HeldCertificate.builder().subject("O=NC CA").certificateAuthority(0)
                .permittedSubtree("DNS:example.com").extensionCritical("2.5.29.30", false).signedBy(root).build();
        accepted(webpki("www.example.com"), leaf().signedBy(nonCritical).build().chain());
    }

    private static void checkMalformed(HeldCertificate.Builder caBuilder, String words) throws Exception {
        HeldCertificate constrained = caBuilder.subject("O=Malformed NC CA").certificateAuthority(0).signedBy(root).build();
        HeldCertificate leaf = leaf().signedBy(constrained).build();
        refused(webpki("www.example.com"), leaf.chain(), TlsErrorCode.PROFILE_VIOLATION, "depth 1", words);
    }

    @Test
    void aCriticalSubjectAltNameIsOnlyForAnEmptySubject() throws Exception {
        profileRefuses(leaf().extensionCritical("2.5.29.17", true), "www.example.com",
                "critical subjectAltName with a non-empty subject");
    }

    @Test
    void aClientCertificateNeedsNoSubjectAltName() throws Exception {
        HeldCertificate client = HeldCertificate.builder().commonName("alice").signedBy(ca).build();
        PeerVerification v = trusting(null, root).profile(ValidationProfile.WEBPKI).build();
        PeerJudge.Refusal r = PeerJudge.judge(v, new PeerContext(client.chain(), null, false), v.clock().instant(), true);
        assertNull(r, () -> r.exception.toString());
        List<X509Certificate> serverOnly = leaf().extendedKeyUsage(HeldCertificate.SERVER_AUTH).signedBy(ca).build().chain();
        PeerJudge.Refusal wrong = PeerJudge.judge(v, new PeerContext(serverOnly, null, false), v.clock().instant(), true);
        assertEquals(TlsErrorCode.PROFILE_VIOLATION, wrong.exception.code(), wrong.exception::toString);
    }

    @Test
    void everyRuleThatFailsIsReported() throws Exception {
        // Several violations in one certificate: the callback hears of each, and the message of the first names it.
        HeldCertificate bad = HeldCertificate.builder().commonName("other.example.com").dns("www.example.com")
                .extendedKeyUsage().omitExtension("2.5.29.35").signedBy(ca).build();
        List<String> seen = new java.util.ArrayList<>();
        PeerVerification v = trusting("www.example.com", root).profile(ValidationProfile.WEBPKI).callback((ok, cert, depth, error) -> {
            if (error != null) {
                seen.add(error.getMessage());
            }
            return ok;
        }).build();
        refused(v, bad.chain(), TlsErrorCode.PROFILE_VIOLATION);
        assertEquals(1, seen.size(), "the callback refused at the first: " + seen);
        PeerVerification forgiving = trusting("www.example.com", root).profile(ValidationProfile.WEBPKI)
                .callback((ok, cert, depth, error) -> {
                    if (error != null) {
                        seen.add(error.getMessage());
                    }
                    return true;
                }).build();
        seen.clear();
        accepted(forgiving, bad.chain());
        assertEquals(3, seen.size(), "authorityKeyIdentifier, extendedKeyUsage, common name: " + seen);
    }
}
