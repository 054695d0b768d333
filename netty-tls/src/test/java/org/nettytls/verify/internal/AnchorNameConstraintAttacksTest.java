package org.nettytls.verify.internal;

import static org.nettytls.verify.internal.Verdicts.accepted;
import static org.nettytls.verify.internal.Verdicts.refused;
import static org.nettytls.verify.internal.Verdicts.trusting;

import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.error.TlsErrorCode;

/**
 * Security review of #15: a trust anchor's own name constraints reach only
 * {@link NameConstraintsCheck} (the JDK's PKIX check never sees them), so each name it reads more
 * loosely than RFC 5280 and the JDK slips past a trusted, name-constrained root. These are the
 * attacks of {@link PkixNameConstraintSetAsideAttacksTest} with the constraining CA as the anchor,
 * no name checked (a client certificate, or a client that checks none). OpenSSL 3.0's verdicts
 * (root as {@code -CAfile}) are noted where they differ.
 */
class AnchorNameConstraintAttacksTest {

    private static HeldCertificate root(String... subtrees) throws Exception {
        HeldCertificate.Builder b = HeldCertificate.builder().subject("O=Constrained Root").certificateAuthority(1);
        for (String s : subtrees) {
            if (s.startsWith("!")) {
                b.excludedSubtree(s.substring(1));
            } else {
                b.permittedSubtree(s);
            }
        }
        return b.build();
    }

    private static void refusedBy(HeldCertificate root, HeldCertificate.Builder leaf, String... words) throws Exception {
        refused(trusting(null, root).build(), leaf.signedBy(root).build().chain(), TlsErrorCode.UNTRUSTED_CHAIN, words);
    }

    private static void acceptedBy(HeldCertificate root, HeldCertificate.Builder leaf) throws Exception {
        accepted(trusting(null, root).build(), leaf.signedBy(root).build().chain());
    }

    /**
     * RFC 5280 7.1: directory names compare after RFC 4518 preparation (NFKC, case folding,
     * characters mapped to nothing, insignificant space). OpenSSL folds ASCII case only and accepts
     * the full-width and accented forms; the JDK (NFKD, Unicode case) refuses them.
     */
    @Test
    void aSubjectThatPreparesToAnExcludedDirectoryNameIsRefused() throws Exception {
        HeldCertificate root = root("!DirName:O=Evil", "!DirName:O=\u00E9vil");
        refusedBy(root, HeldCertificate.builder().subject("O=\uFF25\uFF56\uFF49\uFF4C,CN=client"), "excluded subtree O=Evil");
        refusedBy(root, HeldCertificate.builder().subject("O=\u00C9vil,CN=client"), "excluded subtree O=\u00E9vil");
        refusedBy(root, HeldCertificate.builder().subject("O=E\u0301vil,CN=client"), "excluded subtree O=\u00E9vil");
        refusedBy(root, HeldCertificate.builder().subject("O=Ev\u00ADil,CN=client"), "excluded subtree O=Evil");
        refusedBy(root, HeldCertificate.builder().subject("O=EVIL,CN=client"), "excluded subtree O=Evil");
        acceptedBy(root, HeldCertificate.builder().subject("O=Good,CN=client"));
        acceptedBy(root, HeldCertificate.builder().subject("O=Evil Twin,CN=client"));
    }

    /** A value RFC 4518 cannot prepare (a private-use character) is refused under an excluded subtree, never passed. */
    @Test
    void aDirectoryNameThatCannotBePreparedIsRefusedUnderAnExcludedSubtree() throws Exception {
        refusedBy(root("!DirName:O=Evil"), HeldCertificate.builder().subject("O=Evil\uE000,CN=client"),
                "O=Evil", "RFC 4518");
        // Permitted: such a name is within no subtree it cannot be compared with.
        refusedBy(root("DirName:O=Evil"), HeldCertificate.builder().subject("O=Evil\uE000,CN=client"),
                "none of the permitted subtrees");
        // The same octets as the constraint still match it.
        acceptedBy(root("DirName:O=Evil\uE000"), HeldCertificate.builder().subject("O=Evil\uE000,CN=client"));
    }

    /** Preparation works for permitted subtrees too, as the JDK reads them: the same name in another form is inside. */
    @Test
    void aSubjectThatPreparesToAPermittedDirectoryNameIsAccepted() throws Exception {
        HeldCertificate root = root("DirName:O=Evil");
        acceptedBy(root, HeldCertificate.builder().subject("O=\uFF25\uFF56\uFF49\uFF4C,CN=client"));
        acceptedBy(root, HeldCertificate.builder().subject("O=  evil ,CN=client"));
        refusedBy(root, HeldCertificate.builder().subject("O=Evi1,CN=client"), "none of the permitted subtrees");
    }

    /**
     * RFC 5280 4.2.1.10: a mailbox's local part may be case-sensitive, so {@code alice@} could be
     * the excluded {@code Alice@}: refused (as the JDK refuses; OpenSSL compares the local part
     * case-sensitively and accepts). A permitted mailbox needs the local part exactly (as OpenSSL).
     */
    @Test
    void aMailboxThatCouldBeTheExcludedOneIsRefused() throws Exception {
        HeldCertificate root = root("!email:Alice@example.com");
        refusedBy(root, HeldCertificate.builder().commonName("client").email("alice@example.com"),
                "excluded subtree Alice@example.com");
        refusedBy(root, HeldCertificate.builder().commonName("client").email("ALICE@Example.COM"), "Alice@example.com");
        refusedBy(root, HeldCertificate.builder().subject("CN=client,E=alice@example.com"), "Alice@example.com");
        acceptedBy(root, HeldCertificate.builder().commonName("client").email("bob@example.com"));

        HeldCertificate permitted = root("email:Alice@example.com");
        acceptedBy(permitted, HeldCertificate.builder().commonName("client").email("Alice@EXAMPLE.com"));
        refusedBy(permitted, HeldCertificate.builder().commonName("client").email("alice@example.com"),
                "none of the permitted subtrees");
    }

    /**
     * The JDK binds a common name that is an IP address to address constraints (when there is no
     * iPAddress SAN) and a one-label host name to DNS constraints (when there is no dNSName);
     * OpenSSL binds neither (it reads an address CN as a DNS name and skips one-label names). The
     * JDK's reading is the one that already holds below a constrained intermediate.
     */
    @Test
    void anAddressInTheCommonNameIsHeldToTheAnchorsRanges() throws Exception {
        refusedBy(root("IP:192.0.2.0/24"), HeldCertificate.builder().commonName("10.9.9.9"),
                "IP:10.9.9.9 is in none of the permitted ranges");
        refusedBy(root("!IP:10.0.0.0/8"), HeldCertificate.builder().commonName("10.9.9.9").dns("www.example.com"),
                "IP:10.9.9.9 is in the excluded range 10.0.0.0/8");
        refusedBy(root("!IP:2001:db8::/32"), HeldCertificate.builder().commonName("2001:db8::1"), "excluded range");
        acceptedBy(root("IP:192.0.2.0/24"), HeldCertificate.builder().commonName("192.0.2.5"));
        // An iPAddress SAN is the certificate's address; the CN is then not read as one.
        acceptedBy(root("!IP:10.0.0.0/8"), HeldCertificate.builder().commonName("10.9.9.9").ip("192.0.2.1"));
    }

    @Test
    void aOneLabelCommonNameIsHeldToTheAnchorsDnsConstraints() throws Exception {
        refusedBy(root("DNS:example.com"), HeldCertificate.builder().commonName("localhost"),
                "DNS:localhost is in none of the permitted subtrees");
        refusedBy(root("!DNS:intranet"), HeldCertificate.builder().commonName("intranet"), "excluded subtree intranet");
        acceptedBy(root("!DNS:intranet"), HeldCertificate.builder().commonName("extranet"));
        // A dNSName is the certificate's host name; the CN is then not read as one.
        acceptedBy(root("!DNS:intranet"), HeldCertificate.builder().commonName("intranet").dns("www.example.com"));
        // A common name that is no host name (a person's) is not a DNS name.
        acceptedBy(root("DNS:example.com"), HeldCertificate.builder().commonName("Alice Example"));
    }
}
