package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nettytls.verify.internal.Verdicts.accepted;
import static org.nettytls.verify.internal.Verdicts.refused;
import static org.nettytls.verify.internal.Verdicts.trusting;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.HeldCertificate;

/**
 * Third review of #15 (item 4): the JDK's PKIX second opinion merges the name constraints of
 * consecutive CAs at a cost cubic in their subtrees (170 permitted over 85 cost it 80 to 250 ms a
 * path, eight same-key paths up to 2 s). {@link PkixWork} estimates that work before the JDK is
 * asked and refuses a chain past {@link PkixWork#MAX_NAME_WORK}, over every path of one search.
 * These tests attack the bound at its edge and through many candidate paths, and check that real
 * name-constrained chains are still judged by the JDK. Nothing here is timed: the CPU cost is
 * measured by {@code HostileChainCpu} and {@code PkixWorkCalibration} in the benchmarks module.
 */
class PkixWorkTest {
    private static final String ADDRESS = "192.0.2.1";
    /** Long labels: each comparison the JDK makes costs more, so the fewest subtrees reach the bound. */
    private static final String PAD = "q".repeat(40);

    static HeldCertificate root;
    static KeyPair sharedKey;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().subject("O=Work Root").certificateAuthority(5).build();
        sharedKey = HeldCertificate.builder().build().keyPair();
    }

    /** {@code n} unrelated DNS subtrees and one every list shares (so the JDK's intersection is not empty). */
    private static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i + "." + PAD + ".example.com");
        }
        out.add("shared.example.com");
        return out;
    }

    private static HeldCertificate upper(int n) throws TlsException {
        return HeldCertificate.builder().subject("O=Work A").certificateAuthority(1)
                .nameConstraints(names("a", n), List.of()).signedBy(root).build();
    }

    /** The intermediate below {@code upper(n)}: half as many subtrees, the dearest split of the JDK's merge. */
    private static HeldCertificate lower(HeldCertificate upper, int n, int copy) throws TlsException {
        return HeldCertificate.builder().subject("O=Work B").keyPair(sharedKey).certificateAuthority(0)
                .nameConstraints(names("b" + copy + "x", n / 2), List.of()).signedBy(upper).build();
    }

    /** A leaf the JDK accepts under any of these CAs: an address only, no common name it could read as a DNS name. */
    private static HeldCertificate leaf(HeldCertificate issuer) throws TlsException {
        return HeldCertificate.builder().subject("O=Work Leaf").ip(ADDRESS).signedBy(issuer).build();
    }

    private static List<X509Certificate> below(HeldCertificate leaf) {
        return leaf.chain();
    }

    private static long estimate(int n) throws TlsException {
        HeldCertificate a = upper(n);
        return PkixWork.nameWork(below(leaf(lower(a, n, 0))), Long.MAX_VALUE, 0).work;
    }

    /** The largest {@code n} whose chain is estimated within the budget (the estimate grows with {@code n}). */
    private static int largestWithinBudget() throws TlsException {
        int lo = 2;
        int hi = 160;
        assertTrue(estimate(lo) <= PkixWork.MAX_NAME_WORK, "the smallest chain is within the budget");
        assertTrue(estimate(hi) > PkixWork.MAX_NAME_WORK, "the largest chain is past the budget");
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (estimate(mid) <= PkixWork.MAX_NAME_WORK) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Test
    void theDearestMergeJustWithinTheBudgetIsJudgedAndOneSubtreeMoreIsRefusedUnasked() throws Exception {
        int n = largestWithinBudget();
        HeldCertificate a = upper(n);
        accepted(trusting(ADDRESS, root).build(), leaf(lower(a, n, 0)).chain());

        HeldCertificate over = upper(n + 1);
        HeldCertificate b = lower(over, n + 1, 0);
        TlsException e = refused(trusting(ADDRESS, root).build(), leaf(b).chain(), TlsErrorCode.CHAIN_TOO_COMPLEX,
                "name constraints", "RFC 5280 6.1.4 (g)", "more than the " + PkixWork.MAX_NAME_WORK, "bounded work");
        // The message names the costliest step: the merge at the lower CA, with both lists' sizes.
        assertTrue(e.getMessage().contains("merging the " + ((n + 1) / 2 + 1) + " permitted"), e.getMessage());
        assertTrue(e.getMessage().contains((n + 2) + " permitted and 0 excluded subtree(s) gathered from 'O=Work A'"),
                e.getMessage());
    }

    /**
     * Eight intermediates with one key and name sent with one leaf: the path search tries each,
     * and each path alone is within the budget, so a budget per path would let the JDK do eight
     * times the work. The chain's budget is spent by the first path the JDK is asked about; the
     * other seven are refused unasked.
     */
    @Test
    void manySameKeyPathsShareOneBudget() throws Exception {
        int n = largestWithinBudget();
        HeldCertificate a = upper(n);
        PkixWork work = new PkixWork();
        List<List<X509Certificate>> paths = new ArrayList<>();
        for (int copy = 0; copy < 8; copy++) {
            HeldCertificate b = lower(a, n, copy);
            paths.add(List.of(leaf(b).certificate(), b.certificate(), a.certificate()));
        }
        assertNull(work.admit(paths.get(0)), "the first path is within the budget");
        long spent = work.nameSpent();
        assertTrue(spent > PkixWork.MAX_NAME_WORK / 2 && spent <= PkixWork.MAX_NAME_WORK, "charged " + spent);
        for (List<X509Certificate> p : paths.subList(1, paths.size())) {
            ChainFailure f = work.admit(p);
            assertNotNull(f, "a second path past what is left is refused");
            assertEquals(ChainFailure.Reason.TOO_COMPLEX, f.reason);
            assertTrue(f.message.contains("the paths checked before took " + spent), f.message);
        }
        assertEquals(spent, work.nameSpent(), "a refused path is not charged");
    }

    /**
     * The same through the trust manager: eight same-key intermediates, each path past the budget
     * (the second review's 170-over-85 shape), and a leaf whose common name the JDK reads as a DNS
     * name outside the constraints, so that every path it were asked about would fail after the
     * merge and the search would go on. Refused with chain-too-complex, the JDK never asked.
     */
    @Test
    void eightSameKeyPathsEachPastTheBudgetAreRefusedUnasked() throws Exception {
        HeldCertificate a = HeldCertificate.builder().subject("O=Work A").certificateAuthority(1)
                .nameConstraints(names("a", 169), List.of()).signedBy(root).build();
        List<X509Certificate> sent = new ArrayList<>();
        HeldCertificate first = null;
        for (int copy = 0; copy < 8; copy++) {
            HeldCertificate b = HeldCertificate.builder().subject("O=Work B").keyPair(sharedKey).certificateAuthority(0)
                    .nameConstraints(names("b" + copy + "x", 84), List.of()).signedBy(a).build();
            first = first == null ? b : first;
            sent.add(b.certificate());
        }
        // A CN that is no host name: a one-label CN would be bound to the DNS constraints before the budget is asked.
        HeldCertificate leaf = HeldCertificate.builder().commonName("the leaf").ip(ADDRESS).signedBy(first).build();
        sent.add(0, leaf.certificate());
        sent.add(a.certificate());
        refused(trusting(ADDRESS, root).build(), sent, TlsErrorCode.CHAIN_TOO_COMPLEX, "character comparisons",
                "'O=Work B'", "bounded work");
    }

    /**
     * A leaf that carries name constraints (RFC 5280 allows them in CA certificates only; this
     * validator ignores them in a leaf, and they count toward no subtree limit) is merged by the
     * JDK all the same: 1,500 subtrees in the leaf below a CA with 100 cost it about 250 ms.
     */
    @Test
    void nameConstraintsInTheLeafAreCountedToo() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Work A").certificateAuthority(0)
                .nameConstraints(names("a", 99), List.of()).signedBy(root).build();
        HeldCertificate.Builder leaf = HeldCertificate.builder().subject("O=Work Leaf").ip(ADDRESS);
        for (String n : names("l", 1499)) {
            leaf.permittedSubtree("DNS:" + n);
        }
        refused(trusting(ADDRESS, root).build(), leaf.signedBy(ca).build().chain(), TlsErrorCode.CHAIN_TOO_COMPLEX,
                "merging the 1500 permitted", "the peer's certificate", "bounded work");
    }

    /**
     * Name-constrained intermediates as real CAs issue them (a university's or an enterprise's:
     * a few dozen DNS, address and email subtrees, a few excluded), the issuing CA below
     * repeating its issuer's DNS subtrees and excluding one more, over a leaf with several names;
     * and the constrained CA issuing a leaf itself. Estimated well below the budget and judged by
     * the JDK, which accepts them and still refuses a name outside.
     */
    @Test
    void realisticNameConstrainedChainsAreStillJudged() throws Exception {
        HeldCertificate.Builder upper = HeldCertificate.builder().subject("O=Example University CA")
                .certificateAuthority(1);
        HeldCertificate.Builder lower = HeldCertificate.builder().subject("O=Example Issuing CA")
                .certificateAuthority(0);
        for (int i = 0; i < 30; i++) {
            upper.permittedSubtree("DNS:campus" + i + ".example.edu").permittedSubtree("email:campus" + i + ".example.edu");
            lower.permittedSubtree("DNS:campus" + i + ".example.edu");
        }
        upper.permittedSubtree("DNS:example.edu").permittedSubtree("IP:192.0.2.0/24").permittedSubtree("IP:10.0.0.0/8")
                .excludedSubtree("DNS:admin.example.edu").excludedSubtree("IP:10.99.0.0/16");
        lower.permittedSubtree("DNS:example.edu").excludedSubtree("DNS:secret.example.edu");
        HeldCertificate u = upper.signedBy(root).build();
        HeldCertificate l = lower.signedBy(u).build();
        for (HeldCertificate issuer : List.of(l, u)) {
            HeldCertificate leaf = HeldCertificate.builder().commonName("www.example.edu")
                    .dns("www.example.edu", "a.www.example.edu", "dept3.campus7.example.edu").ip("192.0.2.7")
                    .signedBy(issuer).build();
            long estimate = PkixWork.nameWork(leaf.chain(), Long.MAX_VALUE, 0).work;
            // A quarter of the budget at most: a search can judge four such paths (cross-signed CAs).
            assertTrue(estimate < PkixWork.MAX_NAME_WORK / 4, "estimated " + estimate);
            accepted(trusting("www.example.edu", root).build(), leaf.chain());
            HeldCertificate outside = HeldCertificate.builder().commonName("www.example.edu")
                    .dns("www.example.edu", "www.example.org").signedBy(issuer).build();
            refused(trusting("www.example.edu", root).build(), outside.chain(), TlsErrorCode.UNTRUSTED_CHAIN,
                    "www.example.org");
        }
    }
}
