package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nettytls.verify.internal.Verdicts.accepted;
import static org.nettytls.verify.internal.Verdicts.refused;
import static org.nettytls.verify.internal.Verdicts.trusting;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.PKIXReason;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.PolicyQualifierInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.Pem;
import org.nettytls.testing.Interop;

/**
 * Two defects in the JDK 17 merge of name constraints ({@code sun.security.x509.GeneralSubtrees.intersect},
 * RFC 5280 6.1.4 (g)) made its PKIX second opinion refuse chains that RFC 5280, this validator's
 * {@link NameConstraintsCheck} and OpenSSL 3 accept:
 * <ul>
 * <li>an upper CA permits two address ranges and the lower narrows the first only: the merge
 *     removes the narrowed range, then looks for an overlap of the other range among what is left,
 *     finds none, and builds a "widest" address from a null array (NullPointerException);</li>
 * <li>an upper CA permits {@code example.edu}, the lower several names below it: the merge keeps
 *     the first of the lower's names only, so the leaf's {@code www.example.edu} "fails".</li>
 * </ul>
 * Such a refusal is now judged on this validator's own check, but only where the JDK's objection
 * is its name-constraint code and it has nothing else to say: these tests attack that limit.
 */
class JdkNameConstraintDefectsTest {
    private static final String LEAF_IP = "192.0.2.7";

    @TempDir
    static Path dir;
    static HeldCertificate root;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().subject("O=Defects Root").certificateAuthority(3).build();
    }

    /** Shape (a): the upper CA permits 192.0.2.0/24 then 10.0.0.0/8; the lower narrows the first to /25. */
    private static HeldCertificate ipLower(Policy policy) throws Exception {
        HeldCertificate upper = ca(policy, true).subject("O=Campus Net CA").certificateAuthority(1)
                .permittedSubtree("IP:192.0.2.0/24").permittedSubtree("IP:10.0.0.0/8").signedBy(root).build();
        return ca(policy, false).subject("O=Campus Lab CA").certificateAuthority(0)
                .permittedSubtree("IP:192.0.2.0/25").signedBy(upper).build();
    }

    /** What the CAs say of certificate policies (RFC 5280 4.2.1.4, 4.2.1.11). */
    private enum Policy {
        NONE,
        /** Both CAs assert one policy. */
        ASSERTED,
        /** Both assert it and the upper one requires it (requireExplicitPolicy 0): a leaf without it is refused. */
        REQUIRED
    }

    private static final ASN1ObjectIdentifier POLICY = new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.7");

    private static HeldCertificate.Builder ca(Policy policy, boolean upper) throws Exception {
        HeldCertificate.Builder b = HeldCertificate.builder();
        if (policy != Policy.NONE) {
            b.addExtension("2.5.29.32", false, new CertificatePolicies(new PolicyInformation(POLICY)).getEncoded());
        }
        if (policy == Policy.REQUIRED && upper) {
            b.addExtension("2.5.29.36", true, new DERSequence(new DERTaggedObject(false, 0, new ASN1Integer(0))).getEncoded());
        }
        return b;
    }

    /** Shape (b): the upper CA permits campus0..29.example.edu and example.edu; the lower departments and www. */
    private static HeldCertificate dnsLower(Policy policy) throws Exception {
        HeldCertificate.Builder upper = ca(policy, true);
        upper.subject("O=Example University CA").certificateAuthority(1);
        for (int i = 0; i < 30; i++) {
            upper.permittedSubtree("DNS:campus" + i + ".example.edu");
        }
        upper.permittedSubtree("DNS:example.edu");
        HeldCertificate u = upper.signedBy(root).build();
        HeldCertificate.Builder lower = ca(policy, false).subject("O=Example Issuing CA").certificateAuthority(0);
        for (int i = 0; i < 4; i++) {
            lower.permittedSubtree("DNS:dept" + i + ".campus0.example.edu");
        }
        return lower.permittedSubtree("DNS:www.example.edu").signedBy(u).build();
    }

    private static HeldCertificate ipLeaf(HeldCertificate issuer, String ip) throws TlsException {
        return HeldCertificate.builder().subject("O=Lab Printer").ip(ip).signedBy(issuer).build();
    }

    private static HeldCertificate dnsLeaf(HeldCertificate issuer, String name) throws TlsException {
        return HeldCertificate.builder().commonName(name).dns(name).signedBy(issuer).build();
    }

    /** The JDK's own verdict on the chain under {@link #root}, as the second opinion asks it. */
    private static Throwable jdk(HeldCertificate leaf) {
        return Verdicts.jdkVerdict(leaf, root);
    }

    /** {@code openssl verify} of the leaf against {@link #root} with its intermediates; its output. */
    private static String openssl(HeldCertificate leaf, String flag, String name) throws Exception {
        String openssl = Interop.require("openssl");
        Path ca = Files.writeString(dir.resolve("root.pem"), root.certificatePem(), StandardCharsets.US_ASCII);
        Path untrusted = Files.writeString(dir.resolve("untrusted.pem"),
                Pem.certificates(leaf.chain().subList(1, leaf.chain().size())), StandardCharsets.US_ASCII);
        Path peer = Files.writeString(dir.resolve("leaf.pem"), leaf.certificatePem(), StandardCharsets.US_ASCII);
        List<String> cmd = new ArrayList<>(List.of(openssl, "verify", "-CAfile", ca.toString(),
                "-untrusted", untrusted.toString(), flag, name, peer.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    @Test
    void twoAddressRangesOneNarrowedAreAccepted() throws Exception {
        HeldCertificate leaf = ipLeaf(ipLower(Policy.NONE), LEAF_IP);
        Throwable jdk = jdk(leaf);
        assertTrue(jdk instanceof NullPointerException, "the JDK's defect (a) is still there: " + jdk);
        assertTrue(openssl(leaf, "-verify_ip", LEAF_IP).contains("leaf.pem: OK"), "OpenSSL accepts it");
        accepted(trusting(LEAF_IP, root).build(), leaf.chain());
    }

    @Test
    void severalNamesBelowAPermittedDomainAreAccepted() throws Exception {
        HeldCertificate leaf = dnsLeaf(dnsLower(Policy.NONE), "www.example.edu");
        Throwable jdk = jdk(leaf);
        assertTrue(jdk instanceof CertPathValidatorException
                && ((CertPathValidatorException) jdk).getReason() == PKIXReason.INVALID_NAME,
                "the JDK's defect (b) is still there: " + jdk);
        assertTrue(openssl(leaf, "-verify_hostname", "www.example.edu").contains("leaf.pem: OK"), "OpenSSL accepts it");
        accepted(trusting("www.example.edu", root).build(), leaf.chain());
        // The department names the JDK did keep are accepted too.
        accepted(trusting("a.dept0.campus0.example.edu", root).build(),
                dnsLeaf(dnsLower(Policy.NONE), "a.dept0.campus0.example.edu").chain());
    }

    /** Names outside the lower CA's constraints are still refused, by this validator's own check. */
    @Test
    void aNameOutsideTheConstraintsIsStillRefused() throws Exception {
        HeldCertificate lab = ipLower(Policy.NONE);
        for (String ip : List.of("192.0.2.200", "10.1.2.3")) {
            HeldCertificate leaf = ipLeaf(lab, ip);
            assertFalse(openssl(leaf, "-verify_ip", ip).contains("leaf.pem: OK"), "OpenSSL refuses " + ip);
            refused(trusting(ip, root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "IP:" + ip,
                    "name constraints of 'O=Campus Lab CA'");
        }
        HeldCertificate issuing = dnsLower(Policy.NONE);
        for (String name : List.of("mail.example.edu", "www.campus1.example.edu", "www.example.org")) {
            HeldCertificate leaf = dnsLeaf(issuing, name);
            assertFalse(openssl(leaf, "-verify_hostname", name).contains("leaf.pem: OK"), "OpenSSL refuses " + name);
            refused(trusting(name, root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "DNS:" + name,
                    "RFC 5280 4.2.1.10");
        }
    }

    /**
     * Where the JDK would also object for another reason, its refusal stands: the upper CA
     * requires an explicit policy (requireExplicitPolicy 0) that both CAs assert and the leaf does
     * not. The JDK stops at the name constraints (it throws, or reports them before the leaf's
     * policies), so a chain judged on this validator's name-constraint check alone would escape
     * the policy check, which only the JDK makes. Both shapes, through the trust manager.
     */
    @Test
    void aPolicyViolationHiddenBehindTheDefectIsStillRefused() throws Exception {
        HeldCertificate leaf = ipLeaf(ipLower(Policy.REQUIRED), LEAF_IP);
        assertTrue(jdk(leaf) instanceof NullPointerException, "the JDK throws before its policy check: " + jdk(leaf));
        refused(trusting(LEAF_IP, root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "PKIX",
                "NullPointerException", "carries policyConstraints (2.5.29.36)");

        HeldCertificate named = dnsLeaf(dnsLower(Policy.REQUIRED), "www.example.edu");
        Throwable jdk = jdk(named);
        assertEquals(PKIXReason.INVALID_NAME, ((CertPathValidatorException) jdk).getReason(), jdk::toString);
        refused(trusting("www.example.edu", root).build(), named.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "name constraints check failed", "carries policyConstraints (2.5.29.36)");
        // The same chain with a leaf that asserts the policy: still the JDK's word (the limit of this fallback).
        HeldCertificate asserting = HeldCertificate.builder().commonName("www.example.edu").dns("www.example.edu")
                .addExtension("2.5.29.32", false, new CertificatePolicies(new PolicyInformation(POLICY)).getEncoded())
                .signedBy(dnsLower(Policy.REQUIRED)).build();
        refused(trusting("www.example.edu", root).build(), asserting.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "carries policyConstraints (2.5.29.36)");
    }

    /**
     * Where the JDK stops at the defect before judging something else it alone judges, that is
     * asked of it link by link: a leaf with a critical certificatePolicies that carries a
     * qualifier, which the JDK refuses (its policy checker runs after its name constraints).
     */
    @Test
    void anObjectionOnlyTheJdkMakesBeyondTheDefectIsStillRefused() throws Exception {
        byte[] qualified = new CertificatePolicies(new PolicyInformation(POLICY,
                new DERSequence(new PolicyQualifierInfo("https://cps.example.edu/")))).getEncoded();
        HeldCertificate leaf = HeldCertificate.builder().commonName("www.example.edu").dns("www.example.edu")
                .addExtension("2.5.29.32", true, qualified).signedBy(dnsLower(Policy.ASSERTED)).build();
        Throwable jdk = jdk(leaf);
        assertEquals(PKIXReason.INVALID_NAME, ((CertPathValidatorException) jdk).getReason(), jdk::toString);
        refused(trusting("www.example.edu", root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "critical policy qualifiers", "under its issuer 'O=Example Issuing CA' alone");
        // Under CAs without the defect's shape the JDK refuses the same leaf for that alone.
        HeldCertificate plain = ca(Policy.ASSERTED, false).subject("O=Plain CA").certificateAuthority(0).signedBy(root).build();
        HeldCertificate same = HeldCertificate.builder().commonName("www.example.edu").dns("www.example.edu")
                .addExtension("2.5.29.32", true, qualified).signedBy(plain).build();
        refused(trusting("www.example.edu", root).build(), same.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "critical policy qualifiers");
    }

    /**
     * The review-2 shape: permitted DNS subtrees that do not meet (no DNS name can be issued, RFC
     * 5280 6.1.4 (g)) over a leaf with an address only. The JDK throws from its merge ("DNSName
     * must not be null or empty"); RFC 5280 and OpenSSL accept the chain, and so does the client.
     */
    @Test
    void disjointDnsSubtreesOverAnAddressOnlyLeafAreAccepted() throws Exception {
        HeldCertificate a = HeldCertificate.builder().subject("O=Disjoint A").certificateAuthority(1)
                .permittedSubtree("DNS:a.example.com").signedBy(root).build();
        HeldCertificate b = HeldCertificate.builder().subject("O=Disjoint B").certificateAuthority(0)
                .permittedSubtree("DNS:b.example.org").signedBy(a).build();
        HeldCertificate leaf = ipLeaf(b, "192.0.2.10");
        Throwable jdk = jdk(leaf);
        assertTrue(jdk instanceof RuntimeException && String.valueOf(jdk.getMessage()).contains("DNSName"), jdk::toString);
        assertTrue(PkixNameConstraintDefects.isNameConstraintObjection(jdk));
        assertTrue(openssl(leaf, "-verify_ip", "192.0.2.10").contains("leaf.pem: OK"), "OpenSSL accepts it");
        accepted(trusting("192.0.2.10", root).build(), leaf.chain());
        HeldCertificate named = dnsLeaf(b, "www.b.example.org");
        refused(trusting("www.b.example.org", root).build(), named.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "DNS:www.b.example.org", "name constraints of 'O=Disjoint A'");
    }

    /** What counts as the JDK's name-constraint code, and what does not. */
    @Test
    void onlyObjectionsFromTheJdksNameConstraintCodeAreSetAside() throws Exception {
        assertTrue(PkixNameConstraintDefects.isNameConstraintObjection(jdk(ipLeaf(ipLower(Policy.NONE), LEAF_IP))));
        assertTrue(PkixNameConstraintDefects.isNameConstraintObjection(jdk(dnsLeaf(dnsLower(Policy.NONE), "www.example.edu"))));
        // A policy refusal, an exception from elsewhere in the checkers, and one whose origin is unknown.
        assertFalse(PkixNameConstraintDefects.isNameConstraintObjection(new CertPathValidatorException(
                "non-null policy tree required", null, null, -1, PKIXReason.INVALID_POLICY)));
        RuntimeException policy = new NullPointerException();
        policy.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("sun.security.x509.CertificatePoliciesExtension", "get", null, 1),
            new StackTraceElement("sun.security.provider.certpath.PolicyChecker", "processPolicies", null, 1),
            new StackTraceElement("sun.security.provider.certpath.ConstraintsChecker", "mergeNameConstraints", null, 1)});
        assertFalse(PkixNameConstraintDefects.isNameConstraintObjection(policy));
        // The JIT's preallocated NullPointerException (the merge's, after some 16,000 throws) has no
        // frames: counted as the merge's, which the other conditions make safe; anything else without
        // frames is of unknown origin.
        RuntimeException fast = new NullPointerException();
        fast.setStackTrace(new StackTraceElement[0]);
        assertTrue(PkixNameConstraintDefects.isNameConstraintObjection(fast));
        RuntimeException bare = new IllegalStateException();
        bare.setStackTrace(new StackTraceElement[0]);
        assertFalse(PkixNameConstraintDefects.isNameConstraintObjection(bare), "no stack trace: origin unknown");
        assertFalse(PkixNameConstraintDefects.isNameConstraintObjection(new IllegalStateException("here")));
        // Wrapped: the innermost cause decides.
        RuntimeException merge = new NullPointerException();
        merge.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("sun.security.x509.IPAddressName", "<init>", null, 1),
            new StackTraceElement("sun.security.provider.certpath.ConstraintsChecker", "mergeNameConstraints", null, 1)});
        assertTrue(PkixNameConstraintDefects.isNameConstraintObjection(new CertPathValidatorException(merge)));
        assertFalse(PkixNameConstraintDefects.isNameConstraintObjection(new CertPathValidatorException(policy)));
    }

    /**
     * The defects lie in the merge of two CAs' constraints; under one constrained CA the JDK's
     * name-constraint refusal stands as a second opinion. Here it reads an address in the common
     * name of a leaf without subjectAltName against the CA's address ranges (OpenSSL binds such a
     * CN to DNS constraints only; this validator reads it as the JDK does since the security
     * review of #15, so both refuse, and no name is checked here).
     */
    @Test
    void underOneConstrainedCaTheJdksNameConstraintRefusalStands() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Single Constrained CA").certificateAuthority(0)
                .permittedSubtree("IP:192.0.2.0/24").signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("10.9.9.9").signedBy(ca).build();
        Throwable jdk = jdk(leaf);
        assertEquals(PKIXReason.INVALID_NAME, ((CertPathValidatorException) jdk).getReason(), String.valueOf(jdk));
        refused(trusting(null, root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "its common name IP:10.9.9.9 is in none of the permitted ranges");
    }
}
