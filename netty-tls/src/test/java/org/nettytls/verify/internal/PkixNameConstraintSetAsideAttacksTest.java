package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.nettytls.verify.internal.Verdicts.refused;
import static org.nettytls.verify.internal.Verdicts.trusting;

import java.security.cert.CertPathValidatorException;
import java.security.cert.PKIXReason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.cert.HeldCertificate;

/**
 * Attacks on the set-aside of the JDK's name-constraint objections ({@link PkixNameConstraintDefects}):
 * whoever holds a name-constrained CA can mint a second constrained CA below it for free, so
 * "two CAs carry name constraints" is the attacker's to satisfy, and the JDK's genuine
 * name-constraint refusals (INVALID_NAME) must not yield where {@link NameConstraintsCheck} reads
 * names more loosely than the JDK does. Each leaf here is refused by the JDK for a name it reads as
 * outside an upper CA's constraints, with no check of the name the connection matched (a client
 * certificate, or a client that checks no host name): before the set-aside those refusals stood.
 */
class PkixNameConstraintSetAsideAttacksTest {
    static HeldCertificate root;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().subject("O=Attack Root").certificateAuthority(3).build();
    }

    /** The JDK's own verdict on the chain under {@link #root}, as the second opinion asks it. */
    private static Throwable jdk(HeldCertificate leaf) {
        return Verdicts.jdkVerdict(leaf, root);
    }

    /**
     * An upper CA constrained by {@code spec} (excluded or permitted) and, below it, the attacker's
     * CA with a constraint of its own that changes nothing: the JDK now merges two CAs' constraints.
     */
    private static HeldCertificate attackerCa(String spec, boolean excluded) throws Exception {
        HeldCertificate.Builder u = HeldCertificate.builder().subject("O=Upper CA").certificateAuthority(1);
        HeldCertificate upper = (excluded ? u.excludedSubtree(spec) : u.permittedSubtree(spec)).signedBy(root).build();
        return HeldCertificate.builder().subject("O=Attacker CA").certificateAuthority(0)
                .excludedSubtree("DNS:nothing.invalid").signedBy(upper).build();
    }

    private static void refusedAsTheJdkRefuses(HeldCertificate leaf) throws Exception {
        Throwable jdk = jdk(leaf);
        assertEquals(PKIXReason.INVALID_NAME, ((CertPathValidatorException) jdk).getReason(), String.valueOf(jdk));
        refused(trusting(null, root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "O=Upper CA");
    }

    /**
     * RFC 5280 7.1 compares distinguished names after RFC 4518 preparation (case folded, NFKC):
     * {@code O=Ｅｖｉｌ} (full-width) and {@code O=Évil} lie in the excluded subtrees {@code O=Evil}
     * and {@code O=évil}. The JDK says so; this validator folds ASCII case only.
     */
    @Test
    void aSubjectInAnExcludedDirectoryNameIsRefused() throws Exception {
        refusedAsTheJdkRefuses(HeldCertificate.builder().subject("O=\uFF25\uFF56\uFF49\uFF4C,CN=client")
                .signedBy(attackerCa("DirName:O=Evil", true)).build());
        refusedAsTheJdkRefuses(HeldCertificate.builder().subject("O=\u00C9vil,CN=client")
                .signedBy(attackerCa("DirName:O=\u00E9vil", true)).build());
    }

    /** The JDK binds an address in the common name to address constraints (the single-CA case of JdkNameConstraintDefectsTest). */
    @Test
    void anAddressInTheCommonNameOutsideTheRangesIsRefused() throws Exception {
        refusedAsTheJdkRefuses(HeldCertificate.builder().commonName("10.9.9.9")
                .signedBy(attackerCa("IP:192.0.2.0/24", false)).build());
        refusedAsTheJdkRefuses(HeldCertificate.builder().commonName("10.9.9.9").dns("www.example.com")
                .signedBy(attackerCa("IP:10.0.0.0/8", true)).build());
    }

    /** A host name of one label in the common name, outside the permitted domain or in an excluded one. */
    @Test
    void aSingleLabelCommonNameOutsideTheConstraintsIsRefused() throws Exception {
        refusedAsTheJdkRefuses(HeldCertificate.builder().commonName("localhost")
                .signedBy(attackerCa("DNS:example.com", false)).build());
        refusedAsTheJdkRefuses(HeldCertificate.builder().commonName("intranet")
                .signedBy(attackerCa("DNS:intranet", true)).build());
    }

    /** An excluded mailbox the JDK matches without regard to case. */
    @Test
    void aMailboxTheJdkReadsAsExcludedIsRefused() throws Exception {
        refusedAsTheJdkRefuses(HeldCertificate.builder().commonName("client").email("alice@example.com")
                .signedBy(attackerCa("email:Alice@example.com", true)).build());
    }
}
