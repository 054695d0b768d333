package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nettytls.verify.internal.Verdicts.accepted;
import static org.nettytls.verify.internal.Verdicts.refused;
import static org.nettytls.verify.internal.Verdicts.trusting;

import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.x509.CertPolicyId;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.PolicyMappings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.HeldCertificate;

/**
 * Second review of #15: the JDK's PKIX validator, asked for a second opinion on every path that
 * passed, is held to the same bounded work as the rest of the validator, and what it throws
 * becomes a refusal with a code. Its one job that nothing else does, policy processing, still
 * refuses what RFC 5280 6.1 refuses.
 */
class PkixSecondOpinionTest {
    static HeldCertificate root;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().subject("O=Policy Root").certificateAuthority(8).build();
    }

    private static String policy(String arc, int i) {
        return "1.3.6.1.4.1.55555." + arc + "." + i;
    }

    private static byte[] policies(String arc, int n) throws Exception {
        PolicyInformation[] p = new PolicyInformation[n];
        for (int i = 0; i < n; i++) {
            p[i] = new PolicyInformation(new ASN1ObjectIdentifier(policy(arc, i)));
        }
        return new CertificatePolicies(p).getEncoded();
    }

    /** Maps every policy of {@code from} to every one of {@code to} ({@code all}) or each to its namesake. */
    private static byte[] mappings(String from, String to, int n, boolean all) throws Exception {
        List<CertPolicyId> issuer = new ArrayList<>();
        List<CertPolicyId> subject = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (all || i == j) {
                    issuer.add(CertPolicyId.getInstance(new ASN1ObjectIdentifier(policy(from, i))));
                    subject.add(CertPolicyId.getInstance(new ASN1ObjectIdentifier(policy(to, j))));
                }
            }
        }
        return new PolicyMappings(issuer.toArray(new CertPolicyId[0]), subject.toArray(new CertPolicyId[0])).getEncoded();
    }

    /** {@code levels} CAs below the root, each asserting {@code n} policies and mapping them onto the next arc. */
    private static HeldCertificate mappedChain(int n, int levels, boolean all) throws Exception {
        HeldCertificate issuer = root;
        for (int l = 0; l < levels; l++) {
            String arc = l % 2 == 0 ? "1" : "2";
            String next = l % 2 == 0 ? "2" : "1";
            issuer = HeldCertificate.builder().subject("O=Policy CA " + l).certificateAuthority(levels - l - 1)
                    .addExtension("2.5.29.32", false, policies(arc, n))
                    .addExtension("2.5.29.33", false, mappings(arc, next, n, all))
                    .signedBy(issuer).build();
        }
        return HeldCertificate.builder().commonName("p.example").dns("p.example")
                .addExtension("2.5.29.32", false, policies(levels % 2 == 0 ? "1" : "2", n)).signedBy(issuer).build();
    }

    /**
     * CVE-2023-0464's shape: each CA maps each of its 8 policies onto all 8 of the next, so the
     * JDK's policy tree grows eightfold per CA (its processing walks the whole tree per policy).
     * Four such CAs in 12 KB cost the JDK 0.3 to 2 s per handshake on the loaded test machine, and
     * one more five times that; the chain must be refused unread, as other hostile chains are.
     */
    @Test
    void aPolicyTreeThatGrowsExponentiallyIsRefusedBeforeThePkixValidatorBuildsIt() throws Exception {
        TlsException e = refused(trusting("p.example", root).build(), mappedChain(8, 4, true).chain(),
                TlsErrorCode.CHAIN_TOO_COMPLEX, "policy", "bounded work");
        assertTrue(e.getMessage().contains("O=Policy CA"), e.getMessage());
    }

    @Test
    void policyMappingsOfOrdinarySizeAreStillJudged() throws Exception {
        // One-to-one mappings (a bridge CA's shape) over four CAs with 8 policies each: a tree that stays small.
        accepted(trusting("p.example", root).build(), mappedChain(8, 4, false).chain());
        // Two CAs mapping all to all are still within the bound.
        accepted(trusting("p.example", root).build(), mappedChain(4, 2, true).chain());
    }

    /** requireExplicitPolicy 0 in a CA: the peer's certificate must carry an acceptable policy (RFC 5280 6.1.4 (i)). */
    @Test
    void policyConstraintsAreEnforcedByTheSecondOpinion() throws Exception {
        byte[] requireExplicit = new DERSequence(new DERTaggedObject(false, 0, new ASN1Integer(0))).getEncoded();
        HeldCertificate ca = HeldCertificate.builder().subject("O=Explicit Policy CA").certificateAuthority(0)
                .addExtension("2.5.29.32", false, policies("1", 1)).addExtension("2.5.29.36", true, requireExplicit)
                .signedBy(root).build();
        HeldCertificate without = HeldCertificate.builder().commonName("p.example").dns("p.example").signedBy(ca).build();
        refused(trusting("p.example", root).build(), without.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "policy");
        HeldCertificate with = HeldCertificate.builder().commonName("p.example").dns("p.example")
                .addExtension("2.5.29.32", false, policies("1", 1)).signedBy(ca).build();
        accepted(trusting("p.example", root).build(), with.chain());
    }

    /**
     * Two CAs whose permitted DNS subtrees are disjoint: no DNS name can be issued under them
     * (RFC 5280 6.1.4 (g)), but a leaf with an IP address only is valid. The JDK's validator
     * throws a RuntimeException on this chain ("DNSName must not be null or empty"); it escaped
     * the trust manager, so the handshake failed with no code and no verdict recorded. A throw
     * from the JDK's name-constraint code is now judged on {@link NameConstraintsCheck} (the plain
     * chain is accepted: {@code JdkNameConstraintDefectsTest}); where the JDK's word is still
     * needed, here for a policy constraint it never reached, the throw is a refusal with a code.
     */
    @Test
    void whatThePkixValidatorThrowsIsARefusalWithACode() throws Exception {
        byte[] requireExplicit = new DERSequence(new DERTaggedObject(false, 0, new ASN1Integer(0))).getEncoded();
        HeldCertificate a = HeldCertificate.builder().subject("O=Disjoint A").certificateAuthority(1)
                .addExtension("2.5.29.32", false, policies("1", 1)).addExtension("2.5.29.36", true, requireExplicit)
                .permittedSubtree("DNS:a.example.com").signedBy(root).build();
        HeldCertificate b = HeldCertificate.builder().subject("O=Disjoint B").certificateAuthority(0)
                .addExtension("2.5.29.32", false, policies("1", 1))
                .permittedSubtree("DNS:b.example.org").signedBy(a).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("addressed leaf").ip("192.0.2.10").signedBy(b).build();
        TlsException e = Verdicts.judge(trusting("192.0.2.10", root).build(), leaf.chain());
        assertNotNull(e, "the JDK's validator cannot judge this chain, so it is refused");
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, e.code(), e::toString);
        assertTrue(e.getMessage().contains("PKIX"), e.getMessage());
        assertTrue(e.getMessage().contains("DNSName must not be null or empty"), e.getMessage());
    }
}
