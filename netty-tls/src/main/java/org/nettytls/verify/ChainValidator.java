package org.nettytls.verify;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraintValidatorException;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PKIXNameConstraintValidator;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.CertificateFields;

/**
 * Validates a peer's chain against a {@link CaStore} the way OpenSSL does, with errors a
 * person can act on.
 *
 * <p>It builds the path itself (issuer by name, narrowed by key identifiers, confirmed by
 * signature; trusted issuers first; at most {@value #MAX_DEPTH} deep), then, like OpenSSL's
 * {@code X509_verify_cert}, checks <em>everything</em> and records every failure at the depth of
 * the certificate at fault, so that a verify callback that forgives one failure (an expired
 * certificate, say) still sees all the others: validity windows (the trusted certificate's too),
 * basicConstraints and keyUsage of every issuer, path lengths including the trusted
 * certificate's own, name constraints including the trusted certificate's own, unknown critical
 * extensions, and the purpose (an extendedKeyUsage that must allow the peer's role; a peer key
 * usage that can sign). Where no date failed, the JDK's PKIX validator is asked as well, as a
 * second opinion.
 *
 * <p>Like IO::Socket::SSL, which sets OpenSSL's {@code X509_V_FLAG_PARTIAL_CHAIN}, a trusted
 * intermediate ends the path; its own constraints still apply.
 *
 * <p>Hostile chains cost bounded work: at most {@value #MAX_PEER_CERTIFICATES} certificates are
 * looked at, and at most {@value #MAX_SIGNATURE_CHECKS} signatures are checked while building.
 */
final class ChainValidator {
    static final int MAX_DEPTH = 10;
    static final int MAX_PEER_CERTIFICATES = 2 * MAX_DEPTH;
    static final int MAX_SIGNATURE_CHECKS = 32;
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";
    /** Critical extensions this validator (or, for policies, the PKIX second opinion) handles, as OpenSSL does. */
    private static final Set<String> HANDLED_CRITICAL = Set.of(
            "2.5.29.15", // keyUsage
            "2.5.29.17", // subjectAltName
            "2.5.29.18", // issuerAltName
            "2.5.29.19", // basicConstraints
            "2.5.29.30", // nameConstraints
            "2.5.29.32", // certificatePolicies
            "2.5.29.33", // policyMappings
            "2.5.29.36", // policyConstraints
            "2.5.29.37", // extKeyUsage
            "2.5.29.54", // inhibitAnyPolicy
            "1.3.6.1.5.5.7.1.24", // TLS feature (must-staple)
            "1.3.6.1.5.5.7.48.1.5"); // OCSP no-check

    /** A common name that reads as a host name, which name constraints then bind as a DNS name. */
    private static final Pattern HOST_LIKE_CN =
            Pattern.compile("[A-Za-z0-9*]([A-Za-z0-9*-]*[A-Za-z0-9])?(\\.[A-Za-z0-9-]+)+\\.?");

    private ChainValidator() {
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

        /** A chain taken as the peer sent it, already validated by another engine. */
        static Result asSent(List<X509Certificate> chain) {
            return new Result(chain, false, List.of());
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

    /** Validates {@code chain} for a peer in the role given by {@code peerIsServer}, remembering nothing. */
    static Result validate(List<X509Certificate> chain, CaStore trust, boolean peerIsServer, Instant now) {
        return validate(chain, trust, peerIsServer, now, ChainMemory.NONE);
    }

    /**
     * Validates {@code chain}, taking from {@code memory} (and adding to it) the signatures and
     * PKIX verdicts already proven for the same bytes; every other check runs every time.
     */
    static Result validate(List<X509Certificate> chain, CaStore trust, boolean peerIsServer, Instant now,
            ChainMemory memory) {
        if (chain.isEmpty()) {
            return new Result(List.of(), false,
                    List.of(new ChainFailure(ChainFailure.Reason.REJECTED, 0, "the peer sent no certificate")));
        }
        X509Certificate leaf = chain.get(0);
        if (chain.size() > MAX_PEER_CERTIFICATES) {
            return new Result(List.of(leaf), false, List.of(new ChainFailure(ChainFailure.Reason.CHAIN_TOO_LONG, 0,
                    "the peer sent " + chain.size() + " certificates; more than " + MAX_PEER_CERTIFICATES
                            + " are refused unread")));
        }
        if (trust == null) {
            return new Result(List.of(leaf), false, List.of(new ChainFailure(ChainFailure.Reason.UNTRUSTED, 0,
                    "no CA is configured to verify the peer against")));
        }
        List<ChainFailure> failures = new ArrayList<>();
        if (trust.directlyTrusted().contains(leaf)) {
            List<X509Certificate> self = List.of(leaf);
            checkDates(self, now, failures);
            checkExtensions(self, failures);
            checkPurpose(self, peerIsServer, failures);
            return new Result(self, true, failures);
        }

        ChainMemory.Digests digests = memory.digests();
        Builder builder = new Builder(chain, trust, memory, digests);
        builder.build();
        List<X509Certificate> path = builder.path;
        if (builder.failure != null) {
            failures.add(builder.failure);
        }
        checkDates(path, now, failures);
        checkExtensions(path, failures);
        if (builder.anchored) {
            checkIssuers(path, failures);
            checkNameConstraints(path, failures);
            boolean datesFailed = failures.stream().anyMatch(f -> f.reason == ChainFailure.Reason.EXPIRED
                    || f.reason == ChainFailure.Reason.NOT_YET_VALID);
            if (!datesFailed && failures.isEmpty()) {
                ChainFailure pkix = pkix(path, now, memory, digests);
                if (pkix != null) {
                    failures.add(pkix);
                }
            }
        }
        checkPurpose(path, peerIsServer, failures);
        return new Result(path, builder.anchored, failures);
    }

    /** Builds the path from the leaf up to a trusted certificate, with a budget of signature checks. */
    private static final class Builder {
        private final List<X509Certificate> sent;
        private final CaStore trust;
        private final ChainMemory memory;
        private final ChainMemory.Digests digests;
        final List<X509Certificate> path = new ArrayList<>();
        boolean anchored;
        ChainFailure failure;
        private int signatureChecks;

        Builder(List<X509Certificate> sent, CaStore trust, ChainMemory memory, ChainMemory.Digests digests) {
            this.sent = sent;
            this.trust = trust;
            this.memory = memory;
            this.digests = digests;
        }

        void build() {
            X509Certificate current = sent.get(0);
            path.add(current);
            while (true) {
                if (trust.certificates().contains(current)) {
                    anchored = true;
                    return;
                }
                if (path.size() > MAX_DEPTH) {
                    failure = new ChainFailure(ChainFailure.Reason.CHAIN_TOO_LONG, path.size() - 1,
                            "the chain is longer than " + MAX_DEPTH + " certificates without reaching a trusted CA");
                    return;
                }
                X509Certificate trustedIssuer = findIssuer(current, trust.certificates());
                if (failure != null) {
                    return;
                }
                if (trustedIssuer != null) {
                    path.add(trustedIssuer);
                    anchored = true;
                    return;
                }
                if (CertificateFields.isSelfSigned(current)) {
                    int depth = path.size() - 1;
                    failure = new ChainFailure(ChainFailure.Reason.SELF_SIGNED, depth,
                            (depth == 0 ? "the peer's certificate " : "the chain's root ") + describe(current)
                                    + " is self-signed and not trusted (trusted: " + trusted(trust) + ")");
                    return;
                }
                List<X509Certificate> unused = new ArrayList<>(sent);
                unused.removeAll(path);
                X509Certificate next = findIssuer(current, unused);
                if (failure != null) {
                    return;
                }
                if (next == null) {
                    failure = new ChainFailure(ChainFailure.Reason.UNTRUSTED, path.size() - 1,
                            "no trusted CA issued " + describe(current) + ": its issuer '"
                                    + current.getIssuerX500Principal().getName() + "' is neither among the "
                                    + "certificates the peer sent nor trusted (trusted: " + trusted(trust) + ")");
                    return;
                }
                path.add(next);
                current = next;
            }
        }

        /**
         * The candidate that issued {@code cert}: same name, key identifiers not contradicting,
         * signature verifying. Sets {@link #failure} when the budget of signature checks runs out.
         */
        private X509Certificate findIssuer(X509Certificate cert, List<X509Certificate> candidates) {
            byte[] aki = authorityKeyId(cert);
            for (X509Certificate c : candidates) {
                if (!c.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                    continue;
                }
                byte[] ski = subjectKeyId(c);
                if (aki != null && ski != null && !Arrays.equals(aki, ski)) {
                    continue;
                }
                if (++signatureChecks > MAX_SIGNATURE_CHECKS) {
                    failure = new ChainFailure(ChainFailure.Reason.CHAIN_TOO_LONG, path.size() - 1,
                            "more than " + MAX_SIGNATURE_CHECKS + " candidate issuers had to be tried for "
                                    + describe(cert) + "; the chain is refused");
                    return null;
                }
                if (memory.signedBy(cert, c, digests)) {
                    return c;
                }
            }
            return null;
        }
    }

    /**
     * The extension's value, or {@code null} when the certificate has none. Asked of the OID sets
     * first: the JDK's certificate answers an absent extension by building and catching two
     * exceptions, which made up most of the name-constraint and key-identifier time per handshake.
     */
    private static byte[] extension(X509Certificate c, String oid) {
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

    private static void checkDates(List<X509Certificate> path, Instant now, List<ChainFailure> failures) {
        Date date = Date.from(now);
        for (int depth = 0; depth < path.size(); depth++) {
            X509Certificate c = path.get(depth);
            if (date.after(c.getNotAfter())) {
                failures.add(new ChainFailure(ChainFailure.Reason.EXPIRED, depth, who(depth) + describe(c)
                        + " expired at " + time(c.getNotAfter()) + " (now " + time(date) + ")"));
            } else if (date.before(c.getNotBefore())) {
                failures.add(new ChainFailure(ChainFailure.Reason.NOT_YET_VALID, depth, who(depth) + describe(c)
                        + " is not valid before " + time(c.getNotBefore()) + " (now " + time(date) + ")"));
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
     * number of CA certificates below it.
     */
    private static void checkIssuers(List<X509Certificate> path, List<ChainFailure> failures) {
        for (int depth = 1; depth < path.size(); depth++) {
            X509Certificate c = path.get(depth);
            int pathLen = c.getBasicConstraints();
            boolean trustedV1Root = depth == path.size() - 1 && c.getVersion() == 1;
            if (pathLen < 0 && !trustedV1Root) {
                failures.add(new ChainFailure(ChainFailure.Reason.INVALID_CA, depth, who(depth) + describe(c)
                        + " is not a CA (basicConstraints CA:TRUE missing) yet issued " + describe(path.get(depth - 1))));
                continue;
            }
            boolean[] ku = c.getKeyUsage();
            if (ku != null && (ku.length <= 5 || !ku[5])) {
                failures.add(new ChainFailure(ChainFailure.Reason.NOT_FOR_SIGNING, depth, who(depth) + describe(c)
                        + " may not sign certificates (keyUsage without keyCertSign)"));
            }
            int casBelow = depth - 1;
            if (pathLen >= 0 && pathLen != Integer.MAX_VALUE && casBelow > pathLen) {
                failures.add(new ChainFailure(ChainFailure.Reason.PATH_LENGTH, depth, who(depth) + describe(c)
                        + " allows " + pathLen + " CA certificate(s) below it (pathLenConstraint), the chain has "
                        + casBelow));
            }
        }
    }

    /**
     * Name constraints of every CA in the path, the trusted one included, applied to every
     * certificate below it: its subject, its subjectAltNames, and, where it has no DNS names,
     * a host-name-like common name (as OpenSSL and browsers do).
     */
    private static void checkNameConstraints(List<X509Certificate> path, List<ChainFailure> failures) {
        PKIXNameConstraintValidator validator = new PKIXNameConstraintValidator();
        for (int depth = path.size() - 1; depth >= 0; depth--) {
            X509Certificate c = path.get(depth);
            boolean selfIssuedCa = depth > 0 && c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
            if (depth < path.size() - 1 && !selfIssuedCa) {
                String violation = nameViolation(validator, c);
                if (violation != null) {
                    failures.add(new ChainFailure(ChainFailure.Reason.NAME_CONSTRAINT, depth, who(depth) + describe(c)
                            + " violates the name constraints of its issuers: " + violation));
                }
            }
            byte[] nc = extension(c, Extension.nameConstraints.getId());
            if (nc != null) {
                try {
                    NameConstraints constraints = NameConstraints.getInstance(ASN1OctetString.getInstance(nc).getOctets());
                    GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
                    if (permitted != null) {
                        validator.intersectPermittedSubtree(permitted);
                    }
                    GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
                    if (excluded != null) {
                        for (GeneralSubtree e : excluded) {
                            validator.addExcludedSubtree(e);
                        }
                    }
                } catch (RuntimeException malformed) {
                    failures.add(new ChainFailure(ChainFailure.Reason.NAME_CONSTRAINT, depth, who(depth) + describe(c)
                            + " has nameConstraints that cannot be read: " + malformed.getMessage()));
                }
            }
        }
    }

    private static String nameViolation(PKIXNameConstraintValidator validator, X509Certificate c) {
        try {
            X500Name subject = X500Name.getInstance(c.getSubjectX500Principal().getEncoded());
            validator.checkPermittedDN(subject);
            validator.checkExcludedDN(subject);
            boolean hasDns = false;
            byte[] san = extension(c, Extension.subjectAlternativeName.getId());
            if (san != null) {
                for (GeneralName n : GeneralNames.getInstance(ASN1OctetString.getInstance(san).getOctets()).getNames()) {
                    hasDns |= n.getTagNo() == GeneralName.dNSName;
                    validator.checkPermitted(n);
                    validator.checkExcluded(n);
                }
            }
            if (!hasDns) {
                for (org.bouncycastle.asn1.x500.RDN rdn : subject.getRDNs(BCStyle.CN)) {
                    String cn = rdn.getFirst().getValue().toString();
                    if (HOST_LIKE_CN.matcher(cn).matches()) {
                        GeneralName asDns = new GeneralName(GeneralName.dNSName, cn);
                        validator.checkPermitted(asDns);
                        validator.checkExcluded(asDns);
                    }
                }
            }
            return null;
        } catch (NameConstraintValidatorException e) {
            return e.getMessage();
        } catch (RuntimeException malformed) {
            return "names that cannot be read: " + malformed.getMessage();
        }
    }

    /**
     * The JDK's PKIX validator as a second opinion on what lies below the trusted certificate. An
     * acceptance of the same bytes under the same trusted certificate on the same UTC day is taken
     * from {@code memory} (see {@link ChainMemory} for why nothing else can change the answer).
     */
    private static ChainFailure pkix(List<X509Certificate> path, Instant now, ChainMemory memory,
            ChainMemory.Digests digests) {
        if (path.size() < 2) {
            return null;
        }
        X509Certificate anchor = path.get(path.size() - 1);
        List<X509Certificate> below = path.subList(0, path.size() - 1);
        ChainMemory.Key fact = memory.pkixFact(below, anchor, digests);
        if (memory.pkixAccepted(fact, now)) {
            return null;
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(below);
            // The JDK refuses anchors with name constraints; checkNameConstraints applies them.
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
            memory.rememberPkix(fact, now);
            return null;
        } catch (CertPathValidatorException e) {
            int depth = e.getIndex() >= 0 ? e.getIndex() : 0;
            X509Certificate at = depth < below.size() ? below.get(depth) : below.get(0);
            ChainFailure.Reason reason = e.getReason() == CertPathValidatorException.BasicReason.INVALID_SIGNATURE
                    ? ChainFailure.Reason.BAD_SIGNATURE : ChainFailure.Reason.INVALID_CA;
            return new ChainFailure(reason, depth, "the chain is not valid at " + who(depth) + describe(at) + ": "
                    + e.getMessage());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return new ChainFailure(ChainFailure.Reason.REJECTED, 0, "the chain could not be checked: " + e.getMessage());
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

    private static String who(int depth) {
        return depth == 0 ? "the peer's certificate " : "the CA certificate at depth " + depth + " ";
    }

    static String describe(X509Certificate c) {
        return "'" + c.getSubjectX500Principal().getName() + "'";
    }

    static String time(Date d) {
        return DateTimeFormatter.ISO_INSTANT.format(d.toInstant().truncatedTo(ChronoUnit.SECONDS));
    }
}
