package org.nettytls.verify;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;

/**
 * The work the JDK's PKIX validator, {@link ChainValidator}'s second opinion, would do on a path,
 * estimated from above before it is asked, against a budget for the whole chain: a chain may make
 * the validator judge up to {@value ChainValidator#MAX_PATHS} paths, and the JDK builds its own
 * policy tree and merges its own name constraints for each one it is asked about, so a bound per
 * path let eight copies of one intermediate cost eight times the bound. What is estimated is what
 * grows faster than the bytes of the chain: the policy tree ({@link #policyWork}) and the merging
 * of name constraints ({@link #nameWork}). A path past either budget is refused with
 * {@code chain-too-complex} and nothing is charged for it, so the search goes on to other paths
 * (an unconstrained one beside it, say); a path whose acceptance {@link ChainMemory} remembers
 * costs nothing, since the JDK is not asked again.
 */
final class PkixWork {
    /**
     * The policy-tree node visits the JDK may be given for one chain, over every path it is asked
     * about: at most 65 ns a visit was measured on the 2-core test machine, so at most 8.5 ms.
     */
    static final long MAX_POLICY_WORK = 1 << 17;
    /**
     * The character comparisons the JDK may be given for one chain's name constraints, over every
     * path it is asked about. {@code PkixWorkCalibration} (benchmarks module) sets the estimate
     * beside the JDK's own thread CPU time for chains built to make its merging dear (unrelated
     * lists of 128 to 255 subtrees of each name type, 100-character names, 250 excluded
     * subtrees, four types mixed, 1,500 subtrees in a leaf): 0.25 to 0.9 ns per unit, 1.6 to 2.1
     * ns for the mixed types, on the 2-core test machine (JDK 17.0.15). So the JDK's part is at
     * most about 17 ms a chain, whatever its paths, and the worst hostile chain stays below 50 ms
     * with the rest of the validation. Real name-constrained chains are far below: two CAs of 40
     * unrelated DNS subtrees each are estimated at 1.8 million (1.4 ms measured), and the
     * university-shaped chains of {@code PkixWorkTest} below a quarter of the budget, so a search
     * can still judge four such paths (cross-signed CAs).
     */
    static final long MAX_NAME_WORK = 8_000_000L;
    /**
     * What one name costs in a comparison besides its characters: a comparison of two names is
     * counted as {@code 2 * NAME_COST} plus both lengths (the JDK lower-cases both, then compares).
     */
    static final int NAME_COST = 8;
    /**
     * What a wildcard dNSName costs to compare with an excluded DNS subtree, per character of
     * each as {@link NameList#idnLength} counts them: newer JDK updates (17.0.21's classes, not the
     * 17.0.15 of the test machine) match the wildcard there with the TLS hostname matcher, which
     * converts both names to and from IDN form label by label: 1 to 3 µs a pair of short names,
     * 130 µs for two names of 30 "xn--" labels, measured with 17.0.21's classes patched in.
     */
    static final int WILDCARD_COST = 40;
    /**
     * What telling apart two names of different types costs (a virtual call, a type test and the
     * loop around them): set so the mixed-types calibration chain, where most comparisons are of
     * this kind, is not estimated cheaper than it is by much more than the others (at 2 it was
     * 2.1 ns per unit, at 8 1.6 ns).
     */
    static final int DIFFERENT_TYPES = 8;

    private static final String EMAIL_ADDRESS = "1.2.840.113549.1.9.1";
    private static final int TYPES = 9;

    private long policySpent;
    private long nameSpent;

    /**
     * Charges what the JDK will do for the path {@code below} its trust anchor (the peer's
     * certificate first); a refusal, with nothing charged, when that passes what is left of the
     * chain's budget.
     */
    ChainFailure admit(List<X509Certificate> below) {
        Estimate policies = policyWork(below, MAX_POLICY_WORK - policySpent, policySpent);
        if (policies.refusal != null) {
            return policies.refusal;
        }
        Estimate names = nameWork(below, MAX_NAME_WORK - nameSpent, nameSpent);
        if (names.refusal != null) {
            return names.refusal;
        }
        policySpent += policies.work;
        nameSpent += names.work;
        return null;
    }

    long policySpent() {
        return policySpent;
    }

    long nameSpent() {
        return nameSpent;
    }

    /** An estimate of work, or why the path is refused. */
    static final class Estimate {
        final long work;
        final ChainFailure refusal;

        Estimate(long work, ChainFailure refusal) {
            this.work = work;
            this.refusal = refusal;
        }
    }

    /**
     * Bounds what the JDK's policy processing (RFC 5280 6.1.3 (d), 6.1.4 (a)-(b)) will cost
     * before it is asked: it keeps the whole valid-policy tree and walks it once per policy and
     * once per policy mapping of every certificate, and a CA that maps each of its policies onto
     * many of the next multiplies the tree (CVE-2023-0464's shape; OpenSSL checks policies only
     * on request, BoringSSL and Go bound or skip them). An upper bound of each level's nodes:
     * every node of the level above has at most as many children as the largest number of
     * policies one policy was mapped to there (one without mappings), the anyPolicy node one per
     * policy and one for anyPolicy, and mappings add one node per issuer-domain policy. Refused
     * past {@code limit} node visits; one-to-one mappings (a bridge CA's) and the few policies of
     * an ordinary chain stay far below.
     *
     * @param below the certificates below the trust anchor, peer's first (the JDK's order reversed)
     * @param spent what the paths checked before took, for the message
     */
    static Estimate policyWork(List<X509Certificate> below, long limit, long spent) {
        long level = 1;
        long fanOut = 1;
        long tree = 1;
        long work = 0;
        for (int depth = below.size() - 1; depth >= 0; depth--) {
            X509Certificate c = below.get(depth);
            int policies;
            int pairs = 0;
            int issuerPolicies = 0;
            int widest = 1;
            try {
                byte[] cp = ChainValidator.extension(c, Extension.certificatePolicies.getId());
                policies = cp == null ? 0 : ASN1Sequence.getInstance(ASN1OctetString.getInstance(cp).getOctets()).size();
                byte[] pm = depth == 0 ? null : ChainValidator.extension(c, Extension.policyMappings.getId());
                if (pm != null) {
                    Map<ASN1Encodable, Integer> fan = new HashMap<>();
                    for (ASN1Encodable pair : ASN1Sequence.getInstance(ASN1OctetString.getInstance(pm).getOctets())) {
                        int n = fan.merge(ASN1Sequence.getInstance(pair).getObjectAt(0), 1, Integer::sum);
                        widest = Math.max(widest, n);
                        pairs++;
                    }
                    issuerPolicies = fan.size();
                }
            } catch (RuntimeException malformed) {
                return new Estimate(0, new ChainFailure(ChainFailure.Reason.REJECTED, depth, ChainValidator.who(depth)
                        + ChainValidator.describe(c) + " has certificatePolicies or policyMappings that cannot be read"
                        + " (RFC 5280 4.2.1.4, 4.2.1.5): " + malformed.getMessage()));
            }
            level = level * fanOut + policies + 1 + issuerPolicies;
            tree += level;
            work += (policies + pairs + 4L) * tree;
            fanOut = Math.max(1, widest);
            if (work > limit) {
                return new Estimate(work, new ChainFailure(ChainFailure.Reason.TOO_COMPLEX, depth, "the certificate"
                        + " policies and policy mappings of the chain down to " + ChainValidator.who(depth)
                        + ChainValidator.describe(c) + " (depth " + depth + ") would make a policy tree of up to " + tree
                        + " nodes, more than " + limit + " node visits to check (RFC 5280 6.1.3 (d))"
                        + (spent > 0 ? " after the " + spent + " estimated for the paths checked before, of "
                                + MAX_POLICY_WORK + " per chain" : "")
                        + "; the chain is refused unchecked (bounded work)"));
            }
        }
        return new Estimate(work, null);
    }

    /**
     * Bounds what the JDK's name-constraint processing will cost before it is asked, read from
     * its sources ({@code sun.security.provider.certpath.ConstraintsChecker},
     * {@code sun.security.x509.NameConstraintsExtension}, {@code GeneralSubtrees}, JDK 17).
     * Going from the CA below the anchor down to the peer's certificate, it checks each
     * certificate's names (subject, subjectAltNames or the subject's email addresses, the common
     * name) against every excluded and permitted subtree gathered so far (a wildcard dNSName
     * against an excluded DNS subtree by the dearer hostname matcher, {@link #WILDCARD_COST}),
     * then merges the
     * certificate's own constraints into them, the peer's certificate's too: the excluded lists
     * are joined and pruned pairwise; each permitted list is intersected with the one gathered,
     * which prunes both pairwise and, for every gathered subtree that no new subtree of its type
     * matches, widens or narrows, compares every gathered subtree of that type with every new
     * subtree again ({@code GeneralSubtrees.intersect}, step 3b): with {@code p} subtrees gathered
     * and {@code q} new ones, up to {@code p * p * q} comparisons. Two CAs of 170 and 85 unrelated
     * permitted subtrees thus cost 1.2 million comparisons (45 ms here), for every path the
     * JDK is asked about. A peer's certificate that carries name constraints (which RFC 5280
     * allows in CA certificates only, and which this validator ignores there) is merged too: 3,000
     * permitted subtrees in a 62 KB leaf below a constrained CA cost 150 ms.
     *
     * <p>The estimate counts every comparison each loop may make, each costing
     * {@code 2 * }{@value #NAME_COST} plus the lengths of both names, as if no two subtrees were
     * related (the dearest case: a related one ends a loop early, and which ones the JDK relates is
     * not guessed here). A gathered list never has more subtrees of a type than the larger of the
     * two lists merged, nor more characters than both. Refused past {@code limit}; the message
     * names the costliest step, its certificates and their counts.
     *
     * @param below the certificates below the trust anchor, peer's first (the JDK's order reversed)
     * @param spent what the paths checked before took, for the message
     */
    static Estimate nameWork(List<X509Certificate> below, long limit, long spent) {
        String oid = Extension.nameConstraints.getId();
        boolean any = false;
        for (int depth = 1; depth < below.size() && !any; depth++) {
            any = ChainValidator.extension(below.get(depth), oid) != null;
        }
        if (!any) {
            // The JDK compares names only below a constrained CA; the peer's own constraints it only copies.
            return new Estimate(0, null);
        }
        NameList permitted = null;
        NameList excluded = null;
        long work = 0;
        Step costliest = null;
        for (int depth = below.size() - 1; depth >= 0; depth--) {
            X509Certificate c = below.get(depth);
            if (permitted != null || excluded != null) {
                NameList names;
                try {
                    names = NameList.names(c);
                } catch (RuntimeException malformed) {
                    return new Estimate(work, new ChainFailure(ChainFailure.Reason.NAME_CONSTRAINT, depth,
                            ChainValidator.who(depth) + ChainValidator.describe(c) + " has names that cannot be read: "
                                    + malformed.getMessage()));
                }
                long cost = plus(pairs(names, excluded), pairs(names, permitted));
                if (excluded != null && names.wildcards > 0) {
                    cost = plus(cost, times(WILDCARD_COST, plus(times(names.wildcards, excluded.idnLength),
                            times(excluded.count[GeneralName.dNSName], names.wildcardIdnLength))));
                }
                work = plus(work, cost);
                costliest = Step.dearer(costliest, new Step(cost, false, depth, names.size(), 0, size(permitted), size(excluded)));
            }
            byte[] ext = ChainValidator.extension(c, oid);
            if (ext == null) {
                continue;
            }
            NameList newPermitted;
            NameList newExcluded;
            try {
                NameConstraints nc = NameConstraints.getInstance(ASN1OctetString.getInstance(ext).getOctets());
                newPermitted = NameList.subtrees(nc.getPermittedSubtrees());
                newExcluded = NameList.subtrees(nc.getExcludedSubtrees());
            } catch (RuntimeException malformed) {
                return new Estimate(work, new ChainFailure(ChainFailure.Reason.NAME_CONSTRAINT, depth,
                        ChainValidator.who(depth) + ChainValidator.describe(c)
                                + " has nameConstraints that cannot be read (RFC 5280 4.2.1.10): " + malformed.getMessage()));
            }
            long permittedBefore = size(permitted);
            long excludedBefore = size(excluded);
            long cost = 0;
            if (newExcluded != null) {
                if (excluded == null) {
                    excluded = newExcluded.copy();
                } else {
                    excluded.addAll(newExcluded);
                    cost = minimize(excluded);
                }
            }
            if (newPermitted != null) {
                if (permitted == null) {
                    permitted = newPermitted.copy();
                } else {
                    cost = plus(cost, intersect(permitted, newPermitted));
                    boolean[] shared = permitted.intersectWith(newPermitted);
                    for (int t = 0; t < TYPES; t++) {
                        if (shared[t]) {
                            // At most one "widest" (empty) subtree per type both held joins the excluded ones.
                            excluded = excluded == null ? new NameList() : excluded;
                            excluded.add(t, 0);
                        }
                    }
                    if (excluded != null) {
                        cost = plus(cost, minimize(excluded));
                    }
                }
            }
            if (permitted != null && excluded != null) {
                // GeneralSubtrees.reduce: every excluded subtree against every permitted one; it may remove some.
                cost = plus(cost, pairs(permitted, excluded));
                permitted.subtrees = null;
            }
            // Copied or re-encoded after every merge.
            cost = plus(cost, plus(weight(permitted), weight(excluded)));
            work = plus(work, cost);
            costliest = Step.dearer(costliest,
                    new Step(cost, true, depth, size(newPermitted), size(newExcluded), permittedBefore, excludedBefore));
        }
        if (work > limit) {
            return new Estimate(work, new ChainFailure(ChainFailure.Reason.TOO_COMPLEX, costliest.depth, "the JDK's PKIX"
                    + " check of the path's name constraints (RFC 5280 6.1.4 (g)) would cost an estimated " + work
                    + " character comparisons, more than "
                    + (spent > 0 ? "the " + limit + " left of the " + MAX_NAME_WORK + " a chain may cost (the paths checked"
                            + " before took " + spent + ")" : "the " + MAX_NAME_WORK + " a chain may cost")
                    + "; the costliest step (" + costliest.cost + ") is " + costliest.describe(below)
                    + "; the chain is refused unchecked (bounded work)"));
        }
        return new Estimate(work, null);
    }

    /** One step of the JDK's name-constraint processing, for the message of a refusal. */
    private static final class Step {
        final long cost;
        final boolean merge;
        final int depth;
        /** The names checked, or the new permitted subtrees merged. */
        final long names;
        final long newExcluded;
        final long permitted;
        final long excluded;

        Step(long cost, boolean merge, int depth, long names, long newExcluded, long permitted, long excluded) {
            this.cost = cost;
            this.merge = merge;
            this.depth = depth;
            this.names = names;
            this.newExcluded = newExcluded;
            this.permitted = permitted;
            this.excluded = excluded;
        }

        static Step dearer(Step a, Step b) {
            return a == null || b.cost > a.cost ? b : a;
        }

        String describe(List<X509Certificate> below) {
            List<String> above = new ArrayList<>();
            for (int d = below.size() - 1; d > depth; d--) {
                if (ChainValidator.extension(below.get(d), Extension.nameConstraints.getId()) != null) {
                    above.add(ChainValidator.describe(below.get(d)) + " (depth " + d + ")");
                }
            }
            String who = ChainValidator.who(depth) + ChainValidator.describe(below.get(depth));
            String gathered = permitted + " permitted and " + excluded + " excluded subtree(s) gathered from "
                    + String.join(", ", above);
            return merge
                    ? "merging the " + names + " permitted and " + newExcluded + " excluded subtree(s) of " + who + " into the "
                            + gathered
                    : "checking the " + names + " name(s) of " + who + " against the " + gathered;
        }
    }

    /**
     * {@code GeneralSubtrees.intersect} of the new subtrees {@code q} into the gathered {@code p}:
     * both pruned pairwise (its step 2), every gathered subtree against the new ones (3a), every
     * gathered one without a related new one against them all again (3b), the narrower new ones
     * joined and pruned (4), the new ones of types not gathered added (5).
     */
    private static long intersect(NameList p, NameList q) {
        long np = p.size();
        long nq = q.size();
        long cost = plus(minimize(p), minimize(q));
        cost = plus(cost, pairs(p, q));
        for (int t = 0; t < TYPES; t++) {
            long n = p.count[t];
            if (n == 0 || q.count[t] == 0 || p.sameSubtrees(q, t)) {
                // The same subtrees of a type in the same order (a CA repeating its issuer's): each
                // gathered one meets its twin in step 3a, so none is left for step 3b.
                continue;
            }
            // The s-th gathered subtree of the type without a related new one meets at most n - s + 1
            // of the type still there (those before it went), each against every new subtree.
            long visits = n * (n + 1) / 2;
            long r = Math.min(n, p.weight[t] / Math.max(1, p.widest[t]));
            long remaining = plus(times(p.widest[t], r * (r + 1) / 2), times(n - r, p.weight[t]));
            long perVisit = plus(q.weight[t], times(DIFFERENT_TYPES, nq - q.count[t]));
            cost = plus(cost, plus(times(visits, perVisit), times(q.count[t], remaining)));
        }
        // Step 4: at most np subtrees, each of p or of q.
        for (int t = 0; t < TYPES; t++) {
            cost = plus(cost, times(Math.max(0, p.count[t] - 1), plus(p.weight[t], q.weight[t])));
        }
        cost = plus(cost, times(DIFFERENT_TYPES, times(np, np)));
        // Step 5: each new subtree passes the gathered ones of other types, then meets one of its own.
        for (int t = 0; t < TYPES; t++) {
            cost = plus(cost, plus(q.weight[t], times(q.count[t], Math.max(p.widest[t], q.widest[t]))));
        }
        cost = plus(cost, times(DIFFERENT_TYPES, times(nq, plus(np, nq))));
        return cost;
    }

    /** {@code GeneralSubtrees.minimize}: every pair once. */
    private static long minimize(NameList l) {
        long cost = 0;
        long n = l.size();
        long same = 0;
        for (int t = 0; t < TYPES; t++) {
            cost = plus(cost, times(Math.max(0, l.count[t] - 1), l.weight[t]));
            same = plus(same, times(l.count[t], l.count[t]));
        }
        return plus(cost, times(DIFFERENT_TYPES, (times(n, n) - same) / 2));
    }

    /** Every one of {@code a} against every one of {@code b}: a name of another type is told apart at once. */
    private static long pairs(NameList a, NameList b) {
        if (b == null) {
            return 0;
        }
        long cost = 0;
        long same = 0;
        for (int t = 0; t < TYPES; t++) {
            cost = plus(cost, plus(times(a.count[t], b.weight[t]), times(b.count[t], a.weight[t])));
            same = plus(same, times(a.count[t], b.count[t]));
        }
        return plus(cost, times(DIFFERENT_TYPES, times(a.size(), b.size()) - same));
    }

    private static long size(NameList l) {
        return l == null ? 0 : l.size();
    }

    private static long weight(NameList l) {
        return l == null ? 0 : l.weight();
    }

    private static long plus(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    private static long times(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** A list of names or subtrees as the JDK holds it: per GeneralName type, how many and their weight. */
    static final class NameList {
        final long[] count = new long[TYPES];
        final long[] weight = new long[TYPES];
        /** The weight of the heaviest name of each type. */
        final long[] widest = new long[TYPES];
        /** The {@link #idnLength} of the dNSNames. */
        long idnLength;
        long wildcards;
        long wildcardIdnLength;
        /**
         * The subtrees in order, while this list is exactly one CA's permitted subtrees as the
         * JDK holds them (copied, not yet intersected or reduced); else {@code null}.
         */
        List<GeneralName> subtrees;

        long size() {
            long n = 0;
            for (long c : count) {
                n += c;
            }
            return n;
        }

        long weight() {
            long w = 0;
            for (long c : weight) {
                w = plus(w, c);
            }
            return w;
        }

        void add(int tag, int length) {
            long w = NAME_COST + (long) length;
            count[tag]++;
            weight[tag] = plus(weight[tag], w);
            widest[tag] = Math.max(widest[tag], w);
        }

        void addDns(String name) {
            add(GeneralName.dNSName, name.length());
            long idn = idnLength(name);
            idnLength = plus(idnLength, idn);
            if (name.indexOf('*') >= 0) {
                wildcards++;
                wildcardIdnLength = plus(wildcardIdnLength, idn);
            }
        }

        void addAll(NameList other) {
            for (int t = 0; t < TYPES; t++) {
                count[t] += other.count[t];
                weight[t] = plus(weight[t], other.weight[t]);
                widest[t] = Math.max(widest[t], other.widest[t]);
            }
            idnLength = plus(idnLength, other.idnLength);
            wildcards += other.wildcards;
            wildcardIdnLength = plus(wildcardIdnLength, other.wildcardIdnLength);
            subtrees = null;
        }

        NameList copy() {
            NameList l = new NameList();
            l.addAll(this);
            l.subtrees = subtrees;
            return l;
        }

        /** Whether both lists are known to hold the same subtrees of type {@code t} in the same order. */
        boolean sameSubtrees(NameList q, int t) {
            if (subtrees == null || q.subtrees == null || count[t] != q.count[t]) {
                return false;
            }
            Iterator<GeneralName> other = q.subtrees.iterator();
            for (GeneralName g : subtrees) {
                if (g.getTagNo() != t) {
                    continue;
                }
                GeneralName h = other.next();
                while (h.getTagNo() != t) {
                    h = other.next();
                }
                if (!g.equals(h)) {
                    return false;
                }
            }
            return true;
        }

        /**
         * What an intersection leaves, at most: of a type both lists hold, no more subtrees than the
         * larger list has (each gathered one is kept, replaced by one new one or dropped; the new
         * ones come in only when none of the type is left) and the characters of both; of a type
         * only the new list holds, the new ones. Returns the types both held.
         */
        boolean[] intersectWith(NameList q) {
            boolean[] shared = new boolean[TYPES];
            for (int t = 0; t < TYPES; t++) {
                if (q.count[t] == 0) {
                    continue;
                }
                if (count[t] > 0) {
                    shared[t] = true;
                    count[t] = Math.max(count[t], q.count[t]);
                    weight[t] = plus(weight[t], q.weight[t]);
                    widest[t] = Math.max(widest[t], q.widest[t]);
                } else {
                    count[t] = q.count[t];
                    weight[t] = q.weight[t];
                    widest[t] = q.widest[t];
                }
            }
            idnLength = plus(idnLength, q.idnLength);
            subtrees = null;
            return shared;
        }

        /** The subtrees' base names; {@code null} when there are none (the JDK then keeps no list). */
        static NameList subtrees(GeneralSubtree[] subtrees) {
            if (subtrees == null) {
                return null;
            }
            NameList l = new NameList();
            List<GeneralName> bases = new ArrayList<>(subtrees.length);
            for (GeneralSubtree s : subtrees) {
                l.add(s.getBase());
                bases.add(s.getBase());
            }
            l.subtrees = bases;
            return l;
        }

        /**
         * The names the JDK holds to the constraints ({@code NameConstraintsExtension.verify}): the
         * subject, the subjectAltNames (else the subject's email addresses), and the last common
         * name, counted whatever it reads as.
         */
        static NameList names(X509Certificate c) {
            NameList l = new NameList();
            byte[] subject = c.getSubjectX500Principal().getEncoded();
            X500Name dn = X500Name.getInstance(subject);
            RDN[] rdns = dn.getRDNs();
            if (rdns.length > 0) {
                l.add(GeneralName.directoryName, subject.length);
            }
            byte[] san = ChainValidator.extension(c, Extension.subjectAlternativeName.getId());
            if (san != null) {
                for (GeneralName g : GeneralNames.getInstance(ASN1OctetString.getInstance(san).getOctets()).getNames()) {
                    l.add(g);
                }
            }
            String cn = null;
            for (RDN rdn : rdns) {
                for (AttributeTypeAndValue ava : rdn.getTypesAndValues()) {
                    String value = ava.getValue() instanceof ASN1String ? ((ASN1String) ava.getValue()).getString() : "";
                    if (ava.getType().equals(BCStyle.CN)) {
                        cn = value;
                    } else if (san == null && ava.getType().getId().equals(EMAIL_ADDRESS)) {
                        l.add(GeneralName.rfc822Name, value.length());
                    }
                }
            }
            if (cn != null) {
                l.addDns(cn);
            }
            return l;
        }

        private void add(GeneralName g) {
            ASN1Encodable name = g.getName();
            if (name instanceof ASN1String) {
                String text = ((ASN1String) name).getString();
                if (g.getTagNo() == GeneralName.dNSName) {
                    addDns(text);
                } else {
                    add(g.getTagNo(), text.length());
                }
            } else if (name instanceof ASN1OctetString) {
                add(g.getTagNo(), ((ASN1OctetString) name).getOctets().length);
            } else {
                try {
                    add(g.getTagNo(), name.toASN1Primitive().getEncoded().length);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
        }

        /**
         * What a dNSName costs the JDK's hostname matcher, in characters: its characters, 8 more per
         * label and 64 more per "xn--" label (each label is converted by itself; an A-label is
         * decoded from Punycode and encoded again).
         */
        static long idnLength(String name) {
            long n = name.length();
            int start = 0;
            while (true) {
                n += 8;
                if (name.regionMatches(true, start, "xn--", 0, 4)) {
                    n += 64;
                }
                int dot = name.indexOf('.', start);
                if (dot < 0) {
                    return n;
                }
                start = dot + 1;
            }
        }
    }
}
