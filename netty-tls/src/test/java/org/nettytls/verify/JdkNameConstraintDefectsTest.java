package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nettytls.verify.Verdicts.accepted;
import static org.nettytls.verify.Verdicts.refused;
import static org.nettytls.verify.Verdicts.trusting;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
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
    private static HeldCertificate ipLower(boolean explicitPolicy) throws Exception {
        HeldCertificate upper = ca(explicitPolicy, true).subject("O=Campus Net CA").certificateAuthority(1)
                .permittedSubtree("IP:192.0.2.0/24").permittedSubtree("IP:10.0.0.0/8").signedBy(root).build();
        return ca(explicitPolicy, false).subject("O=Campus Lab CA").certificateAuthority(0)
                .permittedSubtree("IP:192.0.2.0/25").signedBy(upper).build();
    }

    /**
     * A CA builder; with {@code explicitPolicy} both CAs assert one policy and the upper one
     * requires it (requireExplicitPolicy 0, RFC 5280 4.2.1.11), which a leaf without it violates.
     */
    private static HeldCertificate.Builder ca(boolean explicitPolicy, boolean upper) throws Exception {
        HeldCertificate.Builder b = HeldCertificate.builder();
        if (explicitPolicy) {
            b.addExtension("2.5.29.32", false, new CertificatePolicies(new PolicyInformation(
                    new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.7"))).getEncoded());
            if (upper) {
                b.addExtension("2.5.29.36", true,
                        new DERSequence(new DERTaggedObject(false, 0, new ASN1Integer(0))).getEncoded());
            }
        }
        return b;
    }

    /** Shape (b): the upper CA permits campus0..29.example.edu and example.edu; the lower departments and www. */
    private static HeldCertificate dnsLower(boolean explicitPolicy) throws Exception {
        HeldCertificate.Builder upper = ca(explicitPolicy, true);
        upper.subject("O=Example University CA").certificateAuthority(1);
        for (int i = 0; i < 30; i++) {
            upper.permittedSubtree("DNS:campus" + i + ".example.edu");
        }
        upper.permittedSubtree("DNS:example.edu");
        HeldCertificate u = upper.signedBy(root).build();
        HeldCertificate.Builder lower = ca(explicitPolicy, false).subject("O=Example Issuing CA").certificateAuthority(0);
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
        try {
            java.security.cert.CertPath path = java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertPath(leaf.chain());
            java.security.cert.PKIXParameters p = new java.security.cert.PKIXParameters(
                    java.util.Set.of(new java.security.cert.TrustAnchor(root.certificate(), null)));
            p.setRevocationEnabled(false);
            java.security.cert.CertPathValidator.getInstance("PKIX").validate(path, p);
            return null;
        } catch (Exception | Error e) {
            return e;
        }
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
        HeldCertificate leaf = ipLeaf(ipLower(false), LEAF_IP);
        Throwable jdk = jdk(leaf);
        assertTrue(jdk instanceof NullPointerException, "the JDK's defect (a) is still there: " + jdk);
        assertTrue(openssl(leaf, "-verify_ip", LEAF_IP).contains("leaf.pem: OK"), "OpenSSL accepts it");
        accepted(trusting(LEAF_IP, root).build(), leaf.chain());
    }

    @Test
    void severalNamesBelowAPermittedDomainAreAccepted() throws Exception {
        HeldCertificate leaf = dnsLeaf(dnsLower(false), "www.example.edu");
        Throwable jdk = jdk(leaf);
        assertTrue(jdk instanceof CertPathValidatorException
                && ((CertPathValidatorException) jdk).getReason() == PKIXReason.INVALID_NAME,
                "the JDK's defect (b) is still there: " + jdk);
        assertTrue(openssl(leaf, "-verify_hostname", "www.example.edu").contains("leaf.pem: OK"), "OpenSSL accepts it");
        accepted(trusting("www.example.edu", root).build(), leaf.chain());
        // The department names the JDK did keep are accepted too.
        accepted(trusting("a.dept0.campus0.example.edu", root).build(),
                dnsLeaf(dnsLower(false), "a.dept0.campus0.example.edu").chain());
    }

    /** Names outside the lower CA's constraints are still refused, by this validator's own check. */
    @Test
    void aNameOutsideTheConstraintsIsStillRefused() throws Exception {
        HeldCertificate lab = ipLower(false);
        for (String ip : List.of("192.0.2.200", "10.1.2.3")) {
            HeldCertificate leaf = ipLeaf(lab, ip);
            assertFalse(openssl(leaf, "-verify_ip", ip).contains("leaf.pem: OK"), "OpenSSL refuses " + ip);
            refused(trusting(ip, root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "IP:" + ip,
                    "name constraints of 'O=Campus Lab CA'");
        }
        HeldCertificate issuing = dnsLower(false);
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
        HeldCertificate leaf = ipLeaf(ipLower(true), LEAF_IP);
        assertTrue(jdk(leaf) instanceof NullPointerException, "the JDK throws before its policy check: " + jdk(leaf));
        refused(trusting(LEAF_IP, root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "PKIX");

        HeldCertificate named = dnsLeaf(dnsLower(true), "www.example.edu");
        Throwable jdk = jdk(named);
        assertEquals(PKIXReason.INVALID_NAME, ((CertPathValidatorException) jdk).getReason(), jdk::toString);
        refused(trusting("www.example.edu", root).build(), named.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "name constraints");
    }
}
