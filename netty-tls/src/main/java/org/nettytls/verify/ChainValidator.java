package org.nettytls.verify;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.CertificateFields;

/**
 * Validates a peer's chain against a {@link CaStore} the way OpenSSL does, with errors a
 * person can act on.
 *
 * <p>It builds the path itself (issuer by name, narrowed by key identifiers, confirmed by
 * signature; trusted issuers first), and when a path fails it tries the next candidate issuer
 * (a cross-signed root, an unconstrained path beside a name-constrained one), depth first, so the
 * first path tried is the one a greedy builder takes and its failures are the ones reported when
 * no path passes. Like OpenSSL's {@code X509_verify_cert} it checks <em>everything</em> on a path
 * and records every failure at the depth of the certificate at fault, so that a verify callback
 * that forgives one failure (an expired certificate, say) still sees all the others: validity
 * windows (the trusted certificate's too), basicConstraints and keyUsage of every issuer, path
 * lengths including the trusted certificate's own (self-issued intermediates not counted, RFC 5280
 * 6.1.4 (l)), name constraints including the trusted certificate's own and applied to the name the
 * connection matched ({@link NameConstraintsCheck}), unknown critical extensions, the security
 * floor and the profile ({@link CertificateRules}), and the purpose (an extendedKeyUsage that must
 * allow the peer's role; a peer key usage that can sign). Where nothing failed, the JDK's PKIX
 * validator is asked as well, as a second opinion (policy constraints, above all).
 *
 * <p>Like IO::Socket::SSL, which sets OpenSSL's {@code X509_V_FLAG_PARTIAL_CHAIN}, a trusted
 * intermediate ends the path; its own constraints still apply.
 *
 * <p>Hostile chains cost bounded work: at most {@link Rules#maxPeerCertificates()} certificates
 * are looked at, at most {@link Rules#maxSignatureChecks()} signatures checked and
 * {@value #MAX_PATHS} complete paths judged, keys too costly to check are not used, name
 * constraints have a budget of comparisons, and the JDK's second opinion a budget per chain for
 * what grows faster than the chain's bytes there, its policy tree and its merging of name
 * constraints ({@link PkixWork}, estimated before it is asked); what would go past them is
 * refused with {@code chain-too-complex}.
 */
final class ChainValidator {
    /** OpenSSL's verify depth as it stands here by default: intermediates between the peer's certificate and the anchor. */
    static final int DEFAULT_MAX_INTERMEDIATES = 9;
    /** The largest verify depth the options accept: the work per chain stays bounded. */
    static final int MAX_INTERMEDIATES_LIMIT = 20;
    static final int MAX_PEER_CERTIFICATES = 20;
    static final int MAX_SIGNATURE_CHECKS = 32;
    /** Complete paths judged per chain before the search stops. */
    static final int MAX_PATHS = 8;
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";
    /**
     * Critical extensions this validator (or, for policies, the PKIX second opinion) handles, as
     * OpenSSL does. CRL distribution points are read by the CRL fetcher; their criticality only
     * says a client must understand them, which it does (RFC 5280 4.2.1.13).
     */
    static final Set<String> HANDLED_CRITICAL = Set.of(
            "2.5.29.15", // keyUsage
            "2.5.29.17", // subjectAltName
            "2.5.29.18", // issuerAltName
            "2.5.29.19", // basicConstraints
            "2.5.29.30", // nameConstraints
            "2.5.29.31", // cRLDistributionPoints
            "2.5.29.32", // certificatePolicies
            "2.5.29.33", // policyMappings
            "2.5.29.36", // policyConstraints
            "2.5.29.37", // extKeyUsage
            "2.5.29.54", // inhibitAnyPolicy
            "1.3.6.1.5.5.7.1.24", // TLS feature (must-staple)
            "1.3.6.1.5.5.7.48.1.5"); // OCSP no-check

    private ChainValidator() {
    }

    /** What one verification asks of a chain beyond RFC 5280: the profile, the security floor and the depth. */
    static final class Rules {
        static final Rules DEFAULT = new Rules(ValidationProfile.DEFAULT, SecurityFloor.STANDARD, DEFAULT_MAX_INTERMEDIATES);

        final ValidationProfile profile;
        final SecurityFloor floor;
        final int maxIntermediates;

        Rules(ValidationProfile profile, SecurityFloor floor, int maxIntermediates) {
            this.profile = profile;
            this.floor = floor;
            this.maxIntermediates = maxIntermediates;
        }

        /** Certificates a peer may send before the chain is refused unread. */
        int maxPeerCertificates() {
            return Math.max(MAX_PEER_CERTIFICATES, 2 * (maxIntermediates + 1));
        }

        int maxSignatureChecks() {
            return Math.max(MAX_SIGNATURE_CHECKS, 2 * (maxIntermediates + 2));
        }
    }

    /**
     * What the validator found: the path from the peer's certificate upwards (ending with the
     * trusted certificate when one was reached, else as far as it could be built) and every
     * failure found, each at its depth; none when the chain is trusted.
     */
    static final class Result {
        final List<X509Certificate> path;
        final boolean anchored;
        final List<ChainFailure> failures;

        Result(List<X509Certificate> path, boolean anchored, List<ChainFailure> failures) {
            this.path = List.copyOf(path);
            this.anchored = anchored;
            this.failures = List.copyOf(failures);
        }

        /** The first failure in OpenSSL's reporting order (from the root down), or {@code null}. */
        ChainFailure firstFailure() {
            ChainFailure first = null;
            for (ChainFailure f : failures) {
                if (first == null || f.depth > first.depth) {
                    first = f;
                }
            }
            return first;
        }
    }

    /**
     * A chain another engine validated, taken as sent: its certificates in issuing order from the
     * peer's upwards are still held to what no profile lowers (the security floor, the RFC 5280
     * leaf rule, name constraints applied to the names and to the name that matched), since the
     * other engine may not know these rules.
     *
     * <p>Which path the other engine took is not known, and the peer chose the order it sent: so
     * every path the sent certificates make by name from the peer's certificate upwards (to a
     * self-signed one, or as far as they go) is held to these rules, and a chain that makes more
     * than {@value #MAX_PATHS} such paths is refused as too complex. A certificate slipped in
     * between, or a peer certificate whose subject repeats its issuer's name, hides no issuer.
     */
    static Result asSent(List<X509Certificate> chain, boolean peerIsServer, Rules rules,
            NameConstraintsCheck.Identity identity) {
        List<List<X509Certificate>> paths = new ArrayList<>();
        Map<X509Certificate, Boolean> selfSigned = new IdentityHashMap<>();
        List<X509Certificate> start = new ArrayList<>(List.of(chain.get(0)));
        if (!namePaths(chain, start, rules.maxIntermediates + 2, selfSigned, paths)) {
            return new Result(chain, false, List.of(new ChainFailure(ChainFailure.Reason.TOO_COMPLEX, 0,
                    "the certificates the peer sent make more than " + MAX_PATHS + " paths by issuer name from "
                            + describe(chain.get(0)) + "; the chain is refused (bounded work)")));
        }
        Search search = new Search(chain, null, peerIsServer, null, ChainMemory.NONE, rules, identity);
        NameConstraintsCheck.Budget budget = new NameConstraintsCheck.Budget();
        for (List<X509Certificate> path : paths) {
            List<ChainFailure> failures = new ArrayList<>();
            List<NameConstraintsCheck.Finding> names = new ArrayList<>();
            NameConstraintsCheck.check(path, identity, budget, names);
            for (NameConstraintsCheck.Finding f : names) {
                failures.add(f.toFailure());
            }
            search.checkFloor(path, selfSigned, failures);
            if (!failures.isEmpty()) {
                return new Result(path, false, failures);
            }
        }
        return new Result(chain, false, List.of());
    }

    /**
     * Adds to {@code out} every path by issuer name through {@code sent} that extends
     * {@code path}, at most {@code maxLength} certificates long, ending at a self-signed
     * certificate or where no sent certificate names the issuer; {@code false} when there are more
     * than {@value #MAX_PATHS}.
     */
    private static boolean namePaths(List<X509Certificate> sent, List<X509Certificate> path, int maxLength,
            Map<X509Certificate, Boolean> selfSigned, List<List<X509Certificate>> out) {
        X509Certificate current = path.get(path.size() - 1);
        boolean extended = false;
        if (path.size() < maxLength && !isSelfSigned(current, selfSigned)) {
            for (X509Certificate candidate : sent) {
                if (containsSame(path, candidate)
                        || !candidate.getSubjectX500Principal().equals(current.getIssuerX500Principal())) {
                    continue;
                }
                extended = true;
                path.add(candidate);
                boolean within = namePaths(sent, path, maxLength, selfSigned, out);
                path.remove(path.size() - 1);
                if (!within) {
                    return false;
                }
            }
        }
        if (!extended) {
            if (out.size() >= MAX_PATHS) {
                return false;
            }
            out.add(List.copyOf(path));
        }
        return true;
    }

    /** Whether {@code c} is signed by its own key (asked once per certificate; a key too costly to use is not tried). */
    static boolean isSelfSigned(X509Certificate c, Map<X509Certificate, Boolean> known) {
        if (!CertificateRules.selfIssued(c)) {
            return false;
        }
        return known.computeIfAbsent(c, k -> CertificateRules.tooCostly(k.getPublicKey()) == null
                && CertificateFields.isSelfSigned(k));
    }

    /** Validates {@code chain} for a peer in the role given by {@code peerIsServer}, remembering nothing. */
    static Result validate(List<X509Certificate> chain, CaStore trust, boolean peerIsServer, Instant now) {
        return validate(chain, trust, peerIsServer, now, ChainMemory.NONE);
    }

    /** As below, with the default rules and no matched name. */
    static Result validate(List<X509Certificate> chain, CaStore trust, boolean peerIsServer, Instant now,
            ChainMemory memory) {
        return validate(chain, trust, peerIsServer, now, memory, Rules.DEFAULT, null);
    }

    /**
     * Validates {@code chain}, taking from {@code memory} (and adding to it) the signatures and
     * PKIX verdicts already proven for the same bytes; every other check runs every time.
     *
     * @param identity the name the hostname check matched, which the path's name constraints must
     *        allow; {@code null} when no name matched or none is checked
     */
    static Result validate(List<X509Certificate> chain, CaStore trust, boolean peerIsServer, Instant now,
            ChainMemory memory, Rules rules, NameConstraintsCheck.Identity identity) {
        if (chain.isEmpty()) {
            return new Result(List.of(), false,
                    List.of(new ChainFailure(ChainFailure.Reason.REJECTED, 0, "the peer sent no certificate")));
        }
        X509Certificate leaf = chain.get(0);
        if (chain.size() > rules.maxPeerCertificates()) {
            return new Result(List.of(leaf), false, List.of(new ChainFailure(ChainFailure.Reason.TOO_COMPLEX, 0,
                    "the peer sent " + chain.size() + " certificates; more than " + rules.maxPeerCertificates()
                            + " are refused unread")));
        }
        if (trust == null) {
            return new Result(List.of(leaf), false, List.of(new ChainFailure(ChainFailure.Reason.UNTRUSTED, 0,
                    "no CA is configured to verify the peer against")));
        }
        Search search = new Search(chain, trust, peerIsServer, now, memory, rules, identity);
        if (trust.directlyTrusted().contains(leaf)) {
            return search.judge(List.of(leaf), true, null);
        }
        return search.run();
    }

    /**
     * The depth-first search over candidate issuers: trusted ones first, then those the peer sent,
     * each in the order given. A complete path is judged at once; the first that passes wins, else
     * the first one judged is reported.
     */
    private static final class Search {
        private final List<X509Certificate> sent;
        private final CaStore trust;
        private final boolean peerIsServer;
        private final Instant now;
        private final ChainMemory memory;
        private final ChainMemory.Digests digests;
        private final Rules rules;
        private final NameConstraintsCheck.Identity identity;
        private final NameConstraintsCheck.Budget budget = new NameConstraintsCheck.Budget();
        private final PkixWork pkixWork = new PkixWork();
        /** Signature verdicts of this validation, by issuer and subject position in the candidates. */
        private final Map<X509Certificate, Map<X509Certificate, Boolean>> signatures = new IdentityHashMap<>();
        private final List<X509Certificate> path = new ArrayList<>();
        /** Candidate issuers passed over unverified, and why, for the message of a dead end. */
        private final List<String> skipped = new ArrayList<>();
        private int signatureChecks;
        private int pathsJudged;
        private boolean stopped;
        private Result first;
        private Result accepted;

        Search(List<X509Certificate> sent, CaStore trust, boolean peerIsServer, Instant now, ChainMemory memory,
                Rules rules, NameConstraintsCheck.Identity identity) {
            this.sent = sent;
            this.trust = trust;
            this.peerIsServer = peerIsServer;
            this.now = now;
            this.memory = memory;
            this.digests = memory.digests();
            this.rules = rules;
            this.identity = identity;
        }

        Result run() {
            path.add(sent.get(0));
            extend();
            if (accepted != null) {
                return accepted;
            }
            return first;
        }

        /** Extends {@link #path} from its last certificate; stops once a path passed or the work ran out. */
        private void extend() {
            X509Certificate current = path.get(path.size() - 1);
            if (trust.certificates().contains(current)) {
                judged(judge(path, true, null));
                return;
            }
            if (path.size() > rules.maxIntermediates + 1) {
                deadEnd(new ChainFailure(ChainFailure.Reason.CHAIN_TOO_LONG, path.size() - 1, "the chain is longer than "
                        + (rules.maxIntermediates + 1) + " certificates without reaching a trusted CA (at most "
                        + rules.maxIntermediates + " intermediates: the verify depth)"));
                return;
            }
            boolean anyIssuer = false;
            for (X509Certificate candidate : trust.certificates()) {
                if (isIssuer(current, candidate)) {
                    anyIssuer = true;
                    path.add(candidate);
                    judged(judge(path, true, null));
                    path.remove(path.size() - 1);
                }
                if (done()) {
                    return;
                }
            }
            if (!anyIssuer && CertificateFields.isSelfSigned(current)) {
                int depth = path.size() - 1;
                deadEnd(new ChainFailure(ChainFailure.Reason.SELF_SIGNED, depth,
                        (depth == 0 ? "the peer's certificate " : "the chain's root ") + describe(current)
                                + " is self-signed and not trusted (trusted: " + trusted(trust) + ")"));
                return;
            }
            for (X509Certificate candidate : sent) {
                if (containsSame(path, candidate) || !isIssuer(current, candidate)) {
                    if (done()) {
                        return;
                    }
                    continue;
                }
                anyIssuer = true;
                path.add(candidate);
                extend();
                path.remove(path.size() - 1);
                if (done()) {
                    return;
                }
            }
            if (!anyIssuer) {
                deadEnd(new ChainFailure(ChainFailure.Reason.UNTRUSTED, path.size() - 1,
                        "no trusted CA issued " + describe(current) + ": its issuer '"
                                + current.getIssuerX500Principal().getName() + "' is neither among the "
                                + "certificates the peer sent nor trusted (trusted: " + trusted(trust) + ")"
                                + (skipped.isEmpty() ? "" : "; passed over unchecked: " + String.join("; ", skipped))));
            }
        }

        private boolean done() {
            return accepted != null || stopped;
        }

        /**
         * Whether {@code candidate} issued {@code cert}: same name, key identifiers not
         * contradicting, a key not too costly to use, signature verifying (each pair checked once
         * per validation). Stops the search when the budget of signature checks runs out.
         */
        private boolean isIssuer(X509Certificate cert, X509Certificate candidate) {
            if (stopped || !candidate.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                return false;
            }
            byte[] aki = authorityKeyId(cert);
            byte[] ski = subjectKeyId(candidate);
            if (aki != null && ski != null && !Arrays.equals(aki, ski)) {
                return false;
            }
            Map<X509Certificate, Boolean> known = signatures.computeIfAbsent(cert, k -> new IdentityHashMap<>());
            Boolean verdict = known.get(candidate);
            if (verdict != null) {
                return verdict;
            }
            String costly = CertificateRules.tooCostly(candidate.getPublicKey());
            if (costly != null) {
                skipped.add(describe(candidate) + " (" + costly + ")");
                known.put(candidate, false);
                return false;
            }
            if (++signatureChecks > rules.maxSignatureChecks()) {
                stopped = true;
                deadEnd(new ChainFailure(ChainFailure.Reason.TOO_COMPLEX, path.size() - 1,
                        "more than " + rules.maxSignatureChecks() + " candidate issuers had to be tried for "
                                + describe(cert) + "; the chain is refused (bounded work)"));
                return false;
            }
            boolean signed = memory.signedBy(cert, candidate, digests);
            known.put(candidate, signed);
            return signed;
        }

        private void judged(Result r) {
            if (first == null) {
                first = r;
            }
            if (r.failures.isEmpty()) {
                accepted = r;
            } else if (++pathsJudged >= MAX_PATHS) {
                stopped = true;
            }
        }

        /** A path that reaches no trusted CA: its own failure, and what can be said of its certificates. */
        private void deadEnd(ChainFailure failure) {
            if (first != null) {
                return;
            }
            List<ChainFailure> failures = new ArrayList<>();
            failures.add(failure);
            checkDates(path, now, failures);
            checkExtensions(path, failures);
            checkCertificates(path, false, failures);
            checkPurpose(path, peerIsServer, failures);
            first = new Result(path, false, failures);
        }

        /** Every check of a path that ends in a trusted certificate (or of a directly trusted peer certificate). */
        Result judge(List<X509Certificate> candidatePath, boolean anchored, ChainFailure builderFailure) {
            List<X509Certificate> p = List.copyOf(candidatePath);
            List<ChainFailure> failures = new ArrayList<>();
            if (builderFailure != null) {
                failures.add(builderFailure);
            }
            checkDates(p, now, failures);
            checkExtensions(p, failures);
            checkIssuers(p, failures);
            List<NameConstraintsCheck.Finding> names = new ArrayList<>();
            NameConstraintsCheck.check(p, identity, budget, names);
            for (NameConstraintsCheck.Finding f : names) {
                failures.add(f.toFailure());
                if (f.reason == ChainFailure.Reason.TOO_COMPLEX) {
                    stopped = true;
                }
            }
            checkCertificates(p, anchored, failures);
            checkPurpose(p, peerIsServer, failures);
            if (failures.isEmpty()) {
                ChainFailure pkix = pkix(p, now, memory, digests, pkixWork);
                if (pkix != null) {
                    failures.add(pkix);
                }
            }
            return new Result(p, anchored, failures);
        }

        /**
         * The security floor and the RFC 5280 leaf rule alone, for a chain another engine built:
         * every signature but a self-signed top certificate's own is judged.
         */
        void checkFloor(List<X509Certificate> p, Map<X509Certificate, Boolean> selfSigned, List<ChainFailure> failures) {
            for (int depth = p.size() - 1; depth >= 0; depth--) {
                X509Certificate c = p.get(depth);
                ChainFailure key = CertificateRules.key(c, depth, rules.floor);
                if (key != null) {
                    failures.add(key);
                }
                if (!(depth == p.size() - 1 && isSelfSigned(c, selfSigned))) {
                    ChainFailure sig = CertificateRules.signature(c, depth, rules.floor);
                    if (sig != null) {
                        failures.add(sig);
                    }
                }
            }
            ChainFailure maySign = CertificateRules.leafMaySign(p.get(0));
            if (maySign != null) {
                failures.add(maySign);
            }
        }

        /** The security floor, the RFC 5280 leaf rule and the profile, certificate by certificate. */
        private void checkCertificates(List<X509Certificate> p, boolean anchored, List<ChainFailure> failures) {
            for (int depth = p.size() - 1; depth >= 0; depth--) {
                X509Certificate c = p.get(depth);
                boolean anchor = anchored && depth == p.size() - 1;
                ChainFailure key = CertificateRules.key(c, depth, rules.floor);
                if (key != null) {
                    failures.add(key);
                }
                if (!(anchor && CertificateRules.selfIssued(c))) {
                    ChainFailure sig = CertificateRules.signature(c, depth, rules.floor);
                    if (sig != null) {
                        failures.add(sig);
                    }
                }
                if (depth == 0) {
                    ChainFailure maySign = CertificateRules.leafMaySign(c);
                    if (maySign != null) {
                        failures.add(maySign);
                    }
                }
                if (rules.profile == ValidationProfile.WEBPKI) {
                    CertificateRules.webPki(c, depth, anchor, peerIsServer, key == null, failures);
                }
            }
        }
    }

    private static boolean containsSame(List<X509Certificate> path, X509Certificate c) {
        for (X509Certificate p : path) {
            if (p == c || p.equals(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The extension's value, or {@code null} when the certificate has none. Asked of the OID sets
     * first: the JDK's certificate answers an absent extension by building and catching two
     * exceptions, which made up most of the name-constraint and key-identifier time per handshake.
     */
    static byte[] extension(X509Certificate c, String oid) {
        Set<String> nonCritical = c.getNonCriticalExtensionOIDs();
        Set<String> critical = c.getCriticalExtensionOIDs();
        if ((nonCritical == null || !nonCritical.contains(oid)) && (critical == null || !critical.contains(oid))) {
            return null;
        }
        return c.getExtensionValue(oid);
    }

    private static byte[] authorityKeyId(X509Certificate c) {
        byte[] ext = extension(c, Extension.authorityKeyIdentifier.getId());
        if (ext == null) {
            return null;
        }
        try {
            return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    private static byte[] subjectKeyId(X509Certificate c) {
        byte[] ext = extension(c, Extension.subjectKeyIdentifier.getId());
        if (ext == null) {
            return null;
        }
        try {
            return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    /** The store's description, with the subjects when there are few enough to read. */
    private static String trusted(CaStore trust) {
        List<X509Certificate> cas = trust.certificates();
        if (cas.isEmpty() || cas.size() > 3) {
            return trust.description();
        }
        StringBuilder sb = new StringBuilder(trust.description()).append(": ");
        for (int i = 0; i < cas.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(describe(cas.get(i)));
        }
        return sb.toString();
    }

    /**
     * RFC 5280 4.1.2.5: valid from notBefore through notAfter, inclusive, at the granularity of the
     * encoding (whole seconds): the time is compared truncated to its second, so a chain checked
     * 5 ms after its notAfter second is still valid, one checked at 00:00:00.999 before a notBefore
     * of 00:00:01 is not yet; a date written with fractional seconds counts as its whole second. A
     * message therefore never reads "expired at T (now T)".
     */
    private static void checkDates(List<X509Certificate> path, Instant now, List<ChainFailure> failures) {
        long second = now.getEpochSecond();
        for (int depth = 0; depth < path.size(); depth++) {
            X509Certificate c = path.get(depth);
            long notAfter = Math.floorDiv(c.getNotAfter().getTime(), 1000L);
            long notBefore = Math.floorDiv(c.getNotBefore().getTime(), 1000L);
            if (second > notAfter) {
                failures.add(new ChainFailure(ChainFailure.Reason.EXPIRED, depth, who(depth) + describe(c)
                        + " expired at " + time(notAfter) + " (now " + time(second) + ")"));
            } else if (second < notBefore) {
                failures.add(new ChainFailure(ChainFailure.Reason.NOT_YET_VALID, depth, who(depth) + describe(c)
                        + " is not valid before " + time(notBefore) + " (now " + time(second) + ")"));
            }
        }
    }

    private static void checkExtensions(List<X509Certificate> path, List<ChainFailure> failures) {
        for (int depth = 0; depth < path.size(); depth++) {
            X509Certificate c = path.get(depth);
            Set<String> critical = c.getCriticalExtensionOIDs();
            if (critical == null) {
                continue;
            }
            for (String oid : critical) {
                if (!HANDLED_CRITICAL.contains(oid)) {
                    failures.add(new ChainFailure(ChainFailure.Reason.CRITICAL_EXTENSION, depth, who(depth)
                            + describe(c) + " has a critical extension " + oid + " that is not understood"));
                }
            }
        }
    }

    /**
     * Every certificate above the peer's must be allowed to issue: basicConstraints CA:TRUE,
     * keyUsage (when present) with keyCertSign, and a pathLenConstraint no smaller than the
     * number of CA certificates below it that are not self-issued (RFC 5280 6.1.4 (l): a key
     * rollover certificate, same name as its issuer, does not count).
     */
    private static void checkIssuers(List<X509Certificate> path, List<ChainFailure> failures) {
        int casBelow = 0;
        for (int depth = 1; depth < path.size(); depth++) {
            X509Certificate c = path.get(depth);
            int pathLen = c.getBasicConstraints();
            boolean trustedV1Root = depth == path.size() - 1 && c.getVersion() == 1;
            if (pathLen < 0 && !trustedV1Root) {
                failures.add(new ChainFailure(ChainFailure.Reason.INVALID_CA, depth, who(depth) + describe(c)
                        + " is not a CA (basicConstraints CA:TRUE missing) yet issued " + describe(path.get(depth - 1))));
            } else {
                boolean[] ku = c.getKeyUsage();
                if (ku != null && (ku.length <= 5 || !ku[5])) {
                    failures.add(new ChainFailure(ChainFailure.Reason.NOT_FOR_SIGNING, depth, who(depth) + describe(c)
                            + " may not sign certificates (keyUsage without keyCertSign)"));
                }
                if (pathLen >= 0 && pathLen != Integer.MAX_VALUE && casBelow > pathLen) {
                    failures.add(new ChainFailure(ChainFailure.Reason.PATH_LENGTH, depth, who(depth) + describe(c)
                            + " allows " + pathLen + " CA certificate(s) below it (pathLenConstraint), the chain has "
                            + casBelow + " (self-issued ones not counted, RFC 5280 6.1.4 (l))"));
                }
            }
            if (!CertificateRules.selfIssued(c)) {
                casBelow++;
            }
        }
    }

    /**
     * The JDK's PKIX validator as a second opinion on what lies below the trusted certificate. An
     * acceptance of the same bytes under the same trusted certificate on the same UTC day is taken
     * from {@code memory} (see {@link ChainMemory} for why nothing else can change the answer);
     * otherwise its work is charged to the chain's {@code work} first, and a path past that budget
     * is refused without asking it. It is kept, though this validator checks more, for what only
     * it does: policy processing (RFC 5280 6.1.3 (d)-(f), 6.1.4 (a)-(b), (i)-(j)),
     * {@code jdk.certpath.disabledAlgorithms} and the JDK's list of distrusted certificates.
     * Names are this validator's to judge: where the JDK's defective merge of two CAs' name
     * constraints is what refuses, {@link PkixNameConstraintDefects} says whether the chain may
     * pass on {@link NameConstraintsCheck} and the JDK's word on everything else.
     */
    private static ChainFailure pkix(List<X509Certificate> path, Instant now, ChainMemory memory,
            ChainMemory.Digests digests, PkixWork work) {
        if (path.size() < 2) {
            return null;
        }
        X509Certificate anchor = path.get(path.size() - 1);
        List<X509Certificate> below = path.subList(0, path.size() - 1);
        ChainMemory.Key fact = memory.pkixFact(below, anchor, digests);
        if (memory.pkixAccepted(fact, now)) {
            return null;
        }
        ChainFailure tooMuch = work.admit(below);
        if (tooMuch != null) {
            return tooMuch;
        }
        Date date = pkixDate(path, now);
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(below);
            // The JDK refuses anchors with name constraints; NameConstraintsCheck applies them.
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setRevocationEnabled(false);
            params.setDate(date);
            params.addCertPathChecker(HandledExtensions.INSTANCE);
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
            memory.rememberPkix(fact, now);
            return null;
        } catch (CertPathValidatorException | RuntimeException e) {
            if (!PkixNameConstraintDefects.mergesConstraints(below)
                    || !PkixNameConstraintDefects.isNameConstraintObjection(e)) {
                return refusal(e, below, anchor);
            }
            // NameConstraintsCheck, which passed, judges names; the JDK's merge of them is defective.
            String policy = PkixNameConstraintDefects.pathPolicy(below);
            if (policy != null) {
                ChainFailure f = refusal(e, below, anchor);
                return new ChainFailure(f.reason, f.depth, f.message + " (refused on the JDK's word: its name-constraint"
                        + " merge misjudges some chains, but this one carries " + policy + ", whose policy check"
                        + " only it makes and which it stopped before)");
            }
            ChainFailure link = PkixNameConstraintDefects.linkByLink(below, anchor, date, HandledExtensions.INSTANCE);
            if (link != null) {
                return link;
            }
            memory.rememberPkix(fact, now);
            return null;
        } catch (GeneralSecurityException e) {
            return new ChainFailure(ChainFailure.Reason.REJECTED, 0, "the chain could not be checked: " + e.getMessage());
        }
    }

    /** The JDK's refusal of the path {@code below} the anchor as a failure at the depth it names. */
    private static ChainFailure refusal(Exception jdk, List<X509Certificate> below, X509Certificate anchor) {
        if (jdk instanceof CertPathValidatorException) {
            CertPathValidatorException e = (CertPathValidatorException) jdk;
            int depth = e.getIndex() >= 0 ? e.getIndex() : 0;
            X509Certificate at = depth < below.size() ? below.get(depth) : below.get(0);
            ChainFailure.Reason reason = e.getReason() == CertPathValidatorException.BasicReason.INVALID_SIGNATURE
                    ? ChainFailure.Reason.BAD_SIGNATURE : ChainFailure.Reason.INVALID_CA;
            return new ChainFailure(reason, depth, "the chain is not valid at " + who(depth) + describe(at) + ": "
                    + e.getMessage());
        }
        if (jdk instanceof IllegalArgumentException) {
            return new ChainFailure(ChainFailure.Reason.REJECTED, 0, "the chain could not be checked: " + jdk.getMessage());
        }
        // What else the JDK throws is a refusal with a code, never an exception out of the trust manager.
        return new ChainFailure(ChainFailure.Reason.INVALID_CA, 0, "the JDK's PKIX validator could not judge the"
                + " chain below " + describe(anchor) + " and it is refused: " + jdk);
    }

    /**
     * The instant the JDK's PKIX validator checks validity at: it compares to the millisecond,
     * where {@link #checkDates} (which passed before PKIX is asked) compares whole seconds. An
     * instant within the same second that lies in every certificate's window, so PKIX agrees.
     */
    private static Date pkixDate(List<X509Certificate> path, Instant now) {
        long at = now.getEpochSecond() * 1000L;
        long latestStart = at;
        long earliestEnd = Long.MAX_VALUE;
        for (X509Certificate c : path) {
            latestStart = Math.max(latestStart, c.getNotBefore().getTime());
            earliestEnd = Math.min(earliestEnd, c.getNotAfter().getTime());
        }
        return new Date(Math.min(latestStart, earliestEnd));
    }

    /**
     * Tells the JDK's PKIX validator that the critical extensions this validator handles (a
     * critical cRLDistributionPoints, say, which the JDK would refuse as unrecognised without a
     * revocation checker) are taken care of; it checks nothing itself.
     */
    private static final class HandledExtensions extends PKIXCertPathChecker {
        static final HandledExtensions INSTANCE = new HandledExtensions();

        @Override
        public void init(boolean forward) {
        }

        @Override
        public boolean isForwardCheckingSupported() {
            return true;
        }

        @Override
        public Set<String> getSupportedExtensions() {
            return HANDLED_CRITICAL;
        }

        @Override
        public void check(Certificate cert, Collection<String> unresolvedCritExts) {
            unresolvedCritExts.removeAll(HANDLED_CRITICAL);
        }
    }

    /**
     * The purpose, as OpenSSL's {@code sslserver}/{@code sslclient}: a certificate in the path
     * that carries an extendedKeyUsage must allow the peer's role, and the peer's own keyUsage,
     * when present, must allow a TLS handshake.
     */
    private static void checkPurpose(List<X509Certificate> path, boolean peerIsServer, List<ChainFailure> failures) {
        String wanted = peerIsServer ? SERVER_AUTH : CLIENT_AUTH;
        for (int depth = 0; depth < path.size(); depth++) {
            X509Certificate c = path.get(depth);
            List<String> ekus;
            try {
                ekus = c.getExtendedKeyUsage();
            } catch (CertificateParsingException e) {
                failures.add(new ChainFailure(ChainFailure.Reason.REJECTED, depth, who(depth) + describe(c)
                        + " has an unreadable extendedKeyUsage: " + e.getMessage()));
                continue;
            }
            if (ekus != null && !ekus.contains(wanted) && !ekus.contains(ANY_EKU)) {
                failures.add(new ChainFailure(ChainFailure.Reason.WRONG_PURPOSE, depth, who(depth) + describe(c)
                        + " is not for TLS " + (peerIsServer ? "servers" : "clients")
                        + ": its extendedKeyUsage " + ekus + " lacks " + (peerIsServer ? "serverAuth" : "clientAuth")));
            }
        }
        boolean[] ku = path.get(0).getKeyUsage();
        // digitalSignature (0), keyEncipherment (2), keyAgreement (4).
        if (ku != null && !(bit(ku, 0) || bit(ku, 4) || (peerIsServer && bit(ku, 2)))) {
            failures.add(new ChainFailure(ChainFailure.Reason.WRONG_PURPOSE, 0, who(0) + describe(path.get(0))
                    + " may not be used for a TLS handshake: its keyUsage allows neither digitalSignature nor "
                    + (peerIsServer ? "keyEncipherment nor " : "") + "keyAgreement"));
        }
    }

    private static boolean bit(boolean[] bits, int i) {
        return bits.length > i && bits[i];
    }

    static String who(int depth) {
        return depth == 0 ? "the peer's certificate " : "the CA certificate at depth " + depth + " ";
    }

    static String describe(X509Certificate c) {
        return "'" + c.getSubjectX500Principal().getName() + "'";
    }

    static String time(Date d) {
        return DateTimeFormatter.ISO_INSTANT.format(d.toInstant().truncatedTo(ChronoUnit.SECONDS));
    }

    private static String time(long epochSecond) {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(epochSecond));
    }
}
