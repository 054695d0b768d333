package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nettytls.verify.internal.Verdicts.accepted;
import static org.nettytls.verify.internal.Verdicts.refused;
import static org.nettytls.verify.internal.Verdicts.trusting;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.HostnameSchemeVerifier;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PeerContext;
import org.nettytls.verify.PublicSuffix;

/**
 * Issue #15, items 1 and 4: name constraints bind the name a connection matched (a wildcard, the
 * common name, an address in the common name) as well as every name of the certificate, and a
 * chain that would take too many comparisons is refused unread. Each case is a real chain made by
 * {@link HeldCertificate} and judged as the handshake judges it.
 */
class NameConstraintsTest {
    static HeldCertificate root;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().subject("O=NC Test Root").certificateAuthority(3).build();
    }

    private static HeldCertificate ca(String... subtrees) throws Exception {
        HeldCertificate.Builder b = HeldCertificate.builder().subject("O=Constrained CA").certificateAuthority(0);
        for (String s : subtrees) {
            if (s.startsWith("!")) {
                b.excludedSubtree(s.substring(1));
            } else {
                b.permittedSubtree(s);
            }
        }
        return b.signedBy(root).build();
    }

    // ---- item 1: the name that matched ----------------------------------------------------------

    @Test
    void aWildcardThatReachesIntoAnExcludedSubtreeIsRefused() throws Exception {
        HeldCertificate ca = ca("!DNS:bar.example.com");
        HeldCertificate wildcard = HeldCertificate.builder().commonName("wild").dns("*.example.com").signedBy(ca).build();
        // Go's CVE-2025-61727: the wildcard matches bar.example.com, which the CA may not vouch for.
        refused(trusting("bar.example.com", root).build(), wildcard.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "*.example.com", "can stand for a name in the excluded subtree bar.example.com", "O=Constrained CA",
                "RFC 5280 4.2.1.10");
        // The certificate itself is refused, whatever name the client asks for.
        refused(trusting("foo.example.com", root).build(), wildcard.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "bar.example.com");
        // A wildcard inside the label (the default scheme allows b*) reaches it too.
        HeldCertificate partial = HeldCertificate.builder().commonName("partial").dns("b*.example.com").signedBy(ca).build();
        refused(trusting("baz.example.com", root).build(), partial.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "b*.example.com");
    }

    @Test
    void aWildcardThatCannotReachTheExcludedSubtreeIsAccepted() throws Exception {
        HeldCertificate ca = ca("!DNS:a.bar.example.com", "!DNS:x.example.org");
        HeldCertificate wildcard = HeldCertificate.builder().commonName("wild").dns("*.example.com").signedBy(ca).build();
        accepted(trusting("foo.example.com", root).build(), wildcard.chain());
        HeldCertificate partial = HeldCertificate.builder().commonName("partial").dns("c*.example.com").signedBy(
                ca("!DNS:bar.example.com")).build();
        accepted(trusting("cat.example.com", root).build(), partial.chain());
    }

    @Test
    void aCommonNameTheSchemeComparesIsHeldToTheConstraints() throws Exception {
        HeldCertificate ca = ca("DNS:example.com");
        // The SAN is inside example.com; the CN is not, and scheme default compares the CN too.
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").dns("www.example.com").signedBy(ca).build();
        TlsException e = refused(trusting("localhost", root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "'localhost', the name", "was accepted for", "O=Constrained CA", "is in none of the permitted subtrees [example.com]");
        assertFalse(e.getMessage().contains("expired"), e.getMessage());
        accepted(trusting("www.example.com", root).build(), leaf.chain());
        // Under http the CN is not compared when there is a dNSName: a plain mismatch, not a constraint.
        PeerVerification http = trusting(null, root).checkName(HostnameScheme.named("http"), "localhost",
                PublicSuffix.builtIn()).build();
        refused(http, leaf.chain(), TlsErrorCode.HOSTNAME_MISMATCH, "localhost");
        // smtp, imap, ldap: the CN always counts, so the constraint does too.
        for (String scheme : List.of("smtp", "imap", "ldap")) {
            PeerVerification v = trusting(null, root).checkName(HostnameScheme.named(scheme), "localhost",
                    PublicSuffix.builtIn()).build();
            refused(v, leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "'localhost'");
        }
    }

    @Test
    void aChainAnotherEngineValidatedIsStillHeldToTheNameThatMatched() throws Exception {
        // HostnameSchemeVerifier after a handshake another context verified: the chain is taken as sent.
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").dns("www.example.com")
                .signedBy(ca("DNS:example.com")).build();
        for (String name : List.of("localhost", "www.example.com")) {
            PeerVerification v = PeerVerification.builder().enforce(true)
                    .checkName(HostnameScheme.DEFAULT, name, PublicSuffix.builtIn()).build();
            PeerJudge.Refusal r = PeerJudge.judge(v, new PeerContext(leaf.chain(), null, true), v.clock().instant(), false);
            if (name.equals("localhost")) {
                assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, r.exception.code(), r.exception::toString);
                assertTrue(r.exception.getMessage().contains("'localhost', the name"), r.exception.getMessage());
            } else {
                assertEquals(null, r, () -> r.exception.toString());
            }
        }
    }

    /**
     * Second review of #15: a leaf whose subject repeats its issuer's name is self-issued by RFC
     * 5280's definition, but it is still the peer's certificate; walking a chain taken as sent
     * must not stop at it and so skip the issuer's constraints.
     */
    @Test
    void aChainTakenAsSentIsHeldToTheConstraintsAboveASelfIssuedLeaf() throws Exception {
        HeldCertificate ca = ca("!DNS:bar.example.com");
        HeldCertificate leaf = HeldCertificate.builder().subject(ca.certificate().getSubjectX500Principal())
                .dns("*.example.com").signedBy(ca).build();
        PeerVerification v = PeerVerification.builder().enforce(true)
                .checkName(HostnameScheme.DEFAULT, "bar.example.com", PublicSuffix.builtIn()).build();
        PeerJudge.Refusal r = PeerJudge.judge(v, new PeerContext(leaf.chain(), null, true), v.clock().instant(), false);
        assertNotNull(r, "a wildcard under a CA that excludes bar.example.com must not be accepted for it");
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, r.exception.code(), r.exception::toString);
        assertTrue(r.exception.getMessage().contains("excluded subtree bar.example.com"), r.exception.getMessage());
        // Validated here, the same chain is refused as well.
        refused(trusting("bar.example.com", root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "bar.example.com");
    }

    /**
     * Second review of #15: the hostname check reads a dNSName with its surrounding white space
     * and trailing dots removed (as the reference does), so the constraints must bind that form
     * too. Where no matched name is handed on (a scheme whose callback decides, or no name
     * checked), 'bar.example.com.' or ' bar.example.com' slipped past an excluded bar.example.com.
     */
    @Test
    void aDnsNameIsHeldToTheConstraintsInTheFormTheHostnameCheckReadsIt() throws Exception {
        HeldCertificate ca = ca("!DNS:bar.example.com", "!URI:.bar.example.com", "!email:bar.example.com");
        HostnameScheme callback = HostnameScheme.builder().name("app").callback((name, cn, sans) -> {
            for (org.nettytls.cert.SubjectAltName san : sans) {
                if (org.nettytls.internal.NameText.stripTrailingDots(san.value().trim()).equalsIgnoreCase(name)) {
                    return true;
                }
            }
            return false;
        }).build();
        PeerVerification byCallback = trusting(null, root).checkName(callback, "bar.example.com", PublicSuffix.builtIn()).build();
        for (String dns : List.of("bar.example.com.", " bar.example.com", "*.example.com.")) {
            HeldCertificate leaf = HeldCertificate.builder().commonName("leaf").dns(dns).signedBy(ca).build();
            refused(trusting(null, root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "excluded subtree bar.example.com");
            if (!dns.startsWith("*")) {
                refused(byCallback, leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "excluded subtree bar.example.com");
            }
        }
        refused(trusting(null, root).build(), HeldCertificate.builder().commonName("u").uri("https://www.bar.example.com./")
                .signedBy(ca).build().chain(), TlsErrorCode.UNTRUSTED_CHAIN, "excluded subtree .bar.example.com");
        refused(trusting(null, root).build(), HeldCertificate.builder().commonName("e").email("ops@bar.example.com.")
                .signedBy(ca).build().chain(), TlsErrorCode.UNTRUSTED_CHAIN, "excluded subtree bar.example.com");
        // A permitted subtree is not widened: the name as written must lie within it too.
        HeldCertificate permitted = ca("DNS:example.com");
        refused(trusting(null, root).build(), HeldCertificate.builder().commonName("p").dns("www.example.com. ")
                .signedBy(permitted).build().chain(), TlsErrorCode.UNTRUSTED_CHAIN, "none of the permitted subtrees");
        accepted(trusting("www.example.com", root).build(), HeldCertificate.builder().commonName("p")
                .dns("www.example.com").signedBy(permitted).build().chain());
    }

    @Test
    void anAddressInTheCommonNameIsHeldToIpConstraints() throws Exception {
        HeldCertificate ca = ca("IP:10.0.0.0/8");
        HeldCertificate leaf = HeldCertificate.builder().commonName("192.0.2.7").ip("10.1.2.3").signedBy(ca).build();
        refused(trusting("192.0.2.7", root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "'192.0.2.7'", "IP:192.0.2.7 is in none of the permitted ranges [10.0.0.0/8]");
        accepted(trusting("10.1.2.3", root).build(), leaf.chain());
    }

    @Test
    void ipSubjectAltNamesAreHeldToIpConstraints() throws Exception {
        HeldCertificate permitted = ca("IP:192.0.2.0/24", "IP:2001:db8::/32");
        accepted(trusting("192.0.2.9", root).build(),
                HeldCertificate.builder().commonName("in").ip("192.0.2.9", "2001:db8::1").signedBy(permitted).build().chain());
        refused(trusting("192.0.2.9", root).build(),
                HeldCertificate.builder().commonName("out").ip("192.0.2.9", "198.51.100.1").signedBy(permitted).build().chain(),
                TlsErrorCode.UNTRUSTED_CHAIN, "IP:198.51.100.1 is in none of the permitted ranges");
        HeldCertificate excluded = ca("!IP:198.51.100.0/24");
        refused(trusting("198.51.100.1", root).build(),
                HeldCertificate.builder().commonName("x").ip("198.51.100.1").signedBy(excluded).build().chain(),
                TlsErrorCode.UNTRUSTED_CHAIN, "IP:198.51.100.1 is in the excluded range 198.51.100.0/24");
    }

    @Test
    void emailUriAndDirectoryNameConstraintsApply() throws Exception {
        HeldCertificate mail = ca("email:example.com", "DNS:example.com");
        accepted(trusting("www.example.com", root).build(), HeldCertificate.builder().commonName("www.example.com")
                .dns("www.example.com").email("ops@example.com").signedBy(mail).build().chain());
        refused(trusting("www.example.com", root).build(), HeldCertificate.builder().commonName("www.example.com")
                .dns("www.example.com").email("ops@evil.example").signedBy(mail).build().chain(),
                TlsErrorCode.UNTRUSTED_CHAIN, "email:ops@evil.example");

        HeldCertificate uri = ca("URI:.example.com");
        refused(trusting(null, root).build(), HeldCertificate.builder().commonName("u").uri("https://evil.example/")
                .signedBy(uri).build().chain(), TlsErrorCode.UNTRUSTED_CHAIN, "URI:https://evil.example/");
        accepted(trusting(null, root).build(), HeldCertificate.builder().commonName("u").uri("https://api.example.com/x")
                .signedBy(uri).build().chain());

        HeldCertificate dn = ca("DirName:C=DE,O=Example");
        accepted(trusting(null, root).build(), HeldCertificate.builder().subject("C=DE,O=Example,CN=inside")
                .signedBy(dn).build().chain());
        refused(trusting(null, root).build(), HeldCertificate.builder().subject("C=FR,O=Other,CN=outside")
                .signedBy(dn).build().chain(), TlsErrorCode.UNTRUSTED_CHAIN, "DirName");
    }

    @Test
    void aSelfIssuedIntermediateIsNotHeldToItsIssuersConstraints() throws Exception {
        HeldCertificate constrained = HeldCertificate.builder().subject("O=Rollover CA").certificateAuthority(1)
                .permittedSubtree("DNS:example.com").signedBy(root).build();
        // The same name with a new key (a key rollover): its own subject is not checked (RFC 5280 6.1.3 (b)).
        HeldCertificate rollover = HeldCertificate.builder().subject(constrained.certificate().getSubjectX500Principal())
                .certificateAuthority(0).signedBy(constrained).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("www.example.com").dns("www.example.com")
                .signedBy(rollover).build();
        accepted(trusting("www.example.com", root).build(), leaf.chain());
        HeldCertificate outside = HeldCertificate.builder().commonName("www.example.org").dns("www.example.org")
                .signedBy(rollover).build();
        refused(trusting("www.example.org", root).build(), outside.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "www.example.org");
    }

    @Test
    void aNameOfATypeThatCannotBeEvaluatedUnderSuchAConstraintIsRefused() throws Exception {
        // otherName constraints: a constrained type this verifier does not evaluate.
        HeldCertificate ca = HeldCertificate.builder().subject("O=Other CA").certificateAuthority(0)
                .addExtension("2.5.29.30", true, otherNameConstraint()).signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("x").dns("x.example.com")
                .addExtension("2.5.29.17", false, otherNameSan()).signedBy(ca).build();
        refused(trusting(null, root).build(), leaf.chain(), TlsErrorCode.UNTRUSTED_CHAIN, "cannot be evaluated");
    }

    private static byte[] otherNameConstraint() throws Exception {
        org.bouncycastle.asn1.x509.GeneralName g = otherName();
        return new org.bouncycastle.asn1.x509.NameConstraints(
                new org.bouncycastle.asn1.x509.GeneralSubtree[] {new org.bouncycastle.asn1.x509.GeneralSubtree(g)}, null)
                .getEncoded();
    }

    private static byte[] otherNameSan() throws Exception {
        return new org.bouncycastle.asn1.x509.GeneralNames(otherName()).getEncoded();
    }

    private static org.bouncycastle.asn1.x509.GeneralName otherName() {
        return new org.bouncycastle.asn1.x509.GeneralName(org.bouncycastle.asn1.x509.GeneralName.otherName,
                new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                    new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"),
                    new org.bouncycastle.asn1.DERTaggedObject(true, 0, new org.bouncycastle.asn1.DERUTF8String("u@example.com"))}));
    }

    // ---- item 4: bounded work --------------------------------------------------------------------

    private static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i + ".example.com");
        }
        return out;
    }

    @Test
    void thousandsOfNamesAgainstThousandsOfConstraintsAreRefusedUnread() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Hostile CA").certificateAuthority(0)
                .nameConstraints(List.of(), names("x", 2049)).signedBy(root).build();
        HeldCertificate.Builder b = HeldCertificate.builder().commonName("leaf");
        names("p", 2048).forEach(b::dns);
        HeldCertificate leaf = b.signedBy(ca).build();
        refused(trusting("p0.example.com", root).build(), leaf.chain(), TlsErrorCode.CHAIN_TOO_COMPLEX,
                "2049 name-constraint subtrees", "more than " + NameConstraintsCheck.MAX_SUBTREES, "bounded work");
    }

    @Test
    void comparisonsPastTheBudgetAreRefusedBeforeComparing() throws Exception {
        // Under the subtree limit, but 600 names against 200 subtrees is past the comparison budget.
        HeldCertificate ca = HeldCertificate.builder().subject("O=Wide CA").certificateAuthority(0)
                .nameConstraints(names("p", 200), List.of()).signedBy(root).build();
        HeldCertificate.Builder b = HeldCertificate.builder().commonName("leaf");
        names("p", 600).forEach(b::dns);
        refused(trusting("p0.example.com", root).build(), b.signedBy(ca).build().chain(), TlsErrorCode.CHAIN_TOO_COMPLEX,
                "601 name(s)", "200 name-constraint subtree(s)", "past " + NameConstraintsCheck.MAX_COMPARISONS + " comparisons");
    }

    @Test
    void theCostliestChainWithinTheLimitsIsCheckedInFull() throws Exception {
        HeldCertificate a = HeldCertificate.builder().subject("O=A").certificateAuthority(1)
                .nameConstraints(names("p", 128), List.of()).signedBy(root).build();
        HeldCertificate bCa = HeldCertificate.builder().subject("O=B").certificateAuthority(0)
                .nameConstraints(names("p", 128), List.of()).signedBy(a).build();
        HeldCertificate.Builder b = HeldCertificate.builder().commonName("leaf");
        names("p", 127).forEach(b::dns);
        accepted(trusting("p0.example.com", root).build(), b.signedBy(bCa).build().chain());
        // One name outside, anywhere in the list, is still found.
        HeldCertificate.Builder bad = HeldCertificate.builder().commonName("leaf");
        names("p", 126).forEach(bad::dns);
        bad.dns("evil.example.org");
        refused(trusting("p0.example.com", root).build(), bad.signedBy(bCa).build().chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                "evil.example.org");
    }

    @Test
    void theBudgetIsSharedByEveryPathTried() {
        NameConstraintsCheck.Budget budget = new NameConstraintsCheck.Budget();
        assertTrue(budget.spend(NameConstraintsCheck.MAX_COMPARISONS - 1));
        assertTrue(budget.spend(1));
        assertFalse(budget.spend(1), "nothing more once the budget is spent");
        assertEquals(NameConstraintsCheck.MAX_COMPARISONS, budget.spent());
    }

    /**
     * Second review of #15: the AVAs of a multi-valued RDN form a SET, whose order a BER encoding
     * does not fix; OpenSSL compares names in a canonical (sorted) form, so a subject that writes
     * 'OU=Ops+O=Evil' in the other order is still within the subtree 'C=DE,O=Evil+OU=Ops'.
     */
    @Test
    void theOrderOfAMultiValuedRdnDoesNotTakeANameOutOfASubtree() {
        org.bouncycastle.asn1.x500.X500Name constraint = new org.bouncycastle.asn1.x500.X500Name("C=DE,O=Evil+OU=Ops");
        org.bouncycastle.asn1.x500.RDN[] c = constraint.getRDNs();
        org.bouncycastle.asn1.x500.AttributeTypeAndValue[] avas = c[1].getTypesAndValues();
        org.bouncycastle.asn1.x500.RDN reversed = org.bouncycastle.asn1.x500.RDN.getInstance(new org.bouncycastle.asn1.DLSet(
                new org.bouncycastle.asn1.ASN1Encodable[] {avas[1], avas[0]}));
        org.bouncycastle.asn1.x500.X500Name subject = new org.bouncycastle.asn1.x500.X500Name(new org.bouncycastle.asn1.x500.RDN[] {
            c[0], reversed, new org.bouncycastle.asn1.x500.X500Name("CN=x").getRDNs()[0]});
        assertEquals(avas[1].getType(), subject.getRDNs()[1].getTypesAndValues()[0].getType(), "the test writes the other order");
        assertTrue(new NameConstraintsCheck.Dn(subject).startsWith(new NameConstraintsCheck.Dn(constraint)));
        assertFalse(new NameConstraintsCheck.Dn(new org.bouncycastle.asn1.x500.X500Name("C=DE,O=Evil,CN=x"))
                .startsWith(new NameConstraintsCheck.Dn(constraint)), "an RDN with fewer AVAs is another RDN");
    }

    /** RFC 4518 preparation of directory-name values (RFC 5280 7.1), and what it cannot prepare. */
    @Test
    void directoryNameValuesArePreparedAsRfc4518Says() {
        java.util.function.Function<String, String> p = v -> NameConstraintsCheck.prepared(
                new org.bouncycastle.asn1.DERUTF8String(v));
        assertEquals("evil", p.apply("\uFF25\uFF56\uFF49\uFF4C"));
        assertEquals(p.apply("\u00E9vil"), p.apply("E\u0301VIL"));
        assertEquals("strasse", p.apply("STRA\u00DFE"));
        assertEquals("evil corp", p.apply(" \tEvil\u00A0\u00A0 Co\u200Brp\u00AD  "));
        assertEquals(null, p.apply("Evil\uE000"), "private use is prohibited");
        assertEquals(null, NameConstraintsCheck.prepared(new org.bouncycastle.asn1.DERBMPString("Evil\uD800")),
                "an unpaired surrogate in a BMPString");
        assertEquals("evil", NameConstraintsCheck.prepared(new org.bouncycastle.asn1.DERUniversalString(
                new byte[] {0, 0, 0, 'E', 0, 0, 0, 'v', 0, 0, 0, 'i', 0, 0, 0, 'l'})));
        assertEquals(null, NameConstraintsCheck.prepared(new org.bouncycastle.asn1.DERUniversalString(new byte[] {0, 0, 0})));
        assertEquals("#020101", NameConstraintsCheck.prepared(new org.bouncycastle.asn1.ASN1Integer(1)),
                "a value that is no string compares by its DER");
        assertTrue(NameConstraintsCheck.emailCouldBe("alice@example.com", "Alice@EXAMPLE.com"));
        assertFalse(NameConstraintsCheck.emailMatches("alice@example.com", "Alice@example.com"));
    }

    @Test
    void domainMatchingFollowsOpenSsl() {
        assertTrue(NameConstraintsCheck.dnsMatches("example.com", "example.com"));
        assertTrue(NameConstraintsCheck.dnsMatches("www.EXAMPLE.com", "example.com"));
        assertFalse(NameConstraintsCheck.dnsMatches("badexample.com", "example.com"));
        assertTrue(NameConstraintsCheck.dnsMatches("www.example.com", ".example.com"));
        assertFalse(NameConstraintsCheck.dnsMatches("example.com", ".example.com"));
        assertTrue(NameConstraintsCheck.dnsMatches("anything", ""));
        assertTrue(NameConstraintsCheck.wildcardReaches("*.example.com", "bar.example.com"));
        assertFalse(NameConstraintsCheck.wildcardReaches("*.example.com", "a.bar.example.com"));
        assertFalse(NameConstraintsCheck.wildcardReaches("*.example.com", ".example.com"));
        assertTrue(NameConstraintsCheck.wildcardReaches("b*.example.com", "BAR.example.com"));
        assertFalse(NameConstraintsCheck.wildcardReaches("b*.example.com", "car.example.com"));
        assertFalse(NameConstraintsCheck.wildcardReaches("www.example.com", "bar.example.com"));
    }
}
