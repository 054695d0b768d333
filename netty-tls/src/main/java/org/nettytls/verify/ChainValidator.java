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
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.CertificateFields;

/**
 * Validates a peer's chain against a {@link CaStore} the way OpenSSL does, but with errors a
 * person can act on.
 *
 * <p>It first builds the path itself (issuer by name and signature, trusted issuers first, at
 * most {@value #MAX_DEPTH} deep) so that it can say <em>where</em> a chain breaks; then checks
 * every certificate's validity window, naming the one at fault and its dates; then lets the
 * JDK's PKIX validator check what remains (basicConstraints, path length, key usage, name
 * constraints, unknown critical extensions); and finally the purpose, as OpenSSL's
 * {@code sslserver}/{@code sslclient} purposes do: a certificate in the path that carries an
 * extendedKeyUsage must allow the peer's role.
 */
final class ChainValidator {
    static final int MAX_DEPTH = 10;
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";

    private ChainValidator() {
    }

    /**
     * What the validator found: the path from the peer's certificate upwards (ending with the
     * trusted certificate when one was reached, else as far as it could be built) and the
     * first failure, {@code null} when the chain is trusted.
     */
    static final class Result {
        final List<X509Certificate> path;
        final boolean anchored;
        final ChainFailure failure;

        Result(List<X509Certificate> path, boolean anchored, ChainFailure failure) {
            this.path = List.copyOf(path);
            this.anchored = anchored;
            this.failure = failure;
        }

        /**
         * The chain as the peer sent it, counted as trusted: for a peer that an engine other than
         * ours has already validated.
         */
        static Result asSent(List<X509Certificate> chain) {
            return new Result(chain, false, null);
        }
    }

    /** Validates {@code chain} for a peer in the role given by {@code peerIsServer}. */
    static Result validate(List<X509Certificate> chain, CaStore trust, boolean peerIsServer, Instant now) {
        if (chain.isEmpty()) {
            return new Result(List.of(), false,
                    new ChainFailure(ChainFailure.Reason.REJECTED, 0, "the peer sent no certificate"));
        }
        X509Certificate leaf = chain.get(0);
        if (trust == null) {
            return new Result(List.of(leaf), false, new ChainFailure(ChainFailure.Reason.UNTRUSTED, 0,
                    "no CA is configured to verify the peer against"));
        }
        if (trust.directlyTrusted().contains(leaf)) {
            ChainFailure f = checkDates(List.of(leaf), now);
            return new Result(List.of(leaf), true, f != null ? f : checkPurpose(List.of(leaf), peerIsServer));
        }
        List<X509Certificate> path = new ArrayList<>();
        path.add(leaf);
        X509Certificate anchor = null;
        X509Certificate current = leaf;
        while (anchor == null) {
            if (path.size() > MAX_DEPTH) {
                return new Result(path, false, new ChainFailure(ChainFailure.Reason.UNTRUSTED, path.size() - 1,
                        "the chain is longer than " + MAX_DEPTH + " certificates without reaching a trusted CA"));
            }
            if (trust.certificates().contains(current)) {
                anchor = current;
                path.remove(path.size() - 1);
                break;
            }
            X509Certificate trustedIssuer = findIssuer(current, trust.certificates());
            if (trustedIssuer != null) {
                anchor = trustedIssuer;
                break;
            }
            if (CertificateFields.isSelfSigned(current)) {
                int depth = path.size() - 1;
                return new Result(path, false, new ChainFailure(ChainFailure.Reason.SELF_SIGNED, depth,
                        (depth == 0 ? "the peer's certificate " : "the chain's root ") + describe(current)
                                + " is self-signed and not trusted (trusted: " + trusted(trust) + ")"));
            }
            X509Certificate next = findIssuer(current, without(chain, path));
            if (next == null) {
                return new Result(path, false, new ChainFailure(ChainFailure.Reason.UNTRUSTED, path.size() - 1,
                        "no trusted CA issued " + describe(current) + ": its issuer '"
                                + current.getIssuerX500Principal().getName() + "' is neither among the "
                                + "certificates the peer sent nor trusted (trusted: " + trusted(trust) + ")"));
            }
            path.add(next);
            current = next;
        }

        List<X509Certificate> withAnchor = new ArrayList<>(path);
        withAnchor.add(anchor);
        ChainFailure failure = checkDates(withAnchor, now);
        if (failure == null) {
            failure = pkix(path, anchor, now);
        }
        if (failure == null) {
            failure = checkPurpose(withAnchor, peerIsServer);
        }
        return new Result(withAnchor, true, failure);
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

    private static List<X509Certificate> without(List<X509Certificate> chain, List<X509Certificate> used) {
        List<X509Certificate> rest = new ArrayList<>(chain);
        rest.removeAll(used);
        return rest;
    }

    private static X509Certificate findIssuer(X509Certificate cert, List<X509Certificate> candidates) {
        for (X509Certificate c : candidates) {
            if (c.getSubjectX500Principal().equals(cert.getIssuerX500Principal()) && signedBy(cert, c)) {
                return c;
            }
        }
        return null;
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static ChainFailure checkDates(List<X509Certificate> path, Instant now) {
        Date date = Date.from(now);
        for (int depth = 0; depth < path.size(); depth++) {
            X509Certificate c = path.get(depth);
            if (date.after(c.getNotAfter())) {
                return new ChainFailure(ChainFailure.Reason.EXPIRED, depth, who(depth) + describe(c)
                        + " expired at " + time(c.getNotAfter()) + " (now " + time(date) + ")");
            }
            if (date.before(c.getNotBefore())) {
                return new ChainFailure(ChainFailure.Reason.NOT_YET_VALID, depth, who(depth) + describe(c)
                        + " is not valid before " + time(c.getNotBefore()) + " (now " + time(date) + ")");
            }
        }
        return null;
    }

    private static ChainFailure pkix(List<X509Certificate> path, X509Certificate anchor, Instant now) {
        if (path.isEmpty()) {
            return null;
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
            return null;
        } catch (CertPathValidatorException e) {
            int depth = e.getIndex() >= 0 ? e.getIndex() : 0;
            X509Certificate at = depth < path.size() ? path.get(depth) : path.get(0);
            ChainFailure.Reason reason = e.getReason() == CertPathValidatorException.BasicReason.INVALID_SIGNATURE
                    ? ChainFailure.Reason.BAD_SIGNATURE : ChainFailure.Reason.INVALID_CA;
            return new ChainFailure(reason, depth, "the chain is not valid at " + who(depth) + describe(at) + ": "
                    + e.getMessage());
        } catch (GeneralSecurityException e) {
            return new ChainFailure(ChainFailure.Reason.REJECTED, 0, "the chain could not be checked: " + e.getMessage());
        }
    }

    private static ChainFailure checkPurpose(List<X509Certificate> path, boolean peerIsServer) {
        String wanted = peerIsServer ? SERVER_AUTH : CLIENT_AUTH;
        for (int depth = 0; depth < path.size(); depth++) {
            X509Certificate c = path.get(depth);
            List<String> ekus;
            try {
                ekus = c.getExtendedKeyUsage();
            } catch (CertificateParsingException e) {
                return new ChainFailure(ChainFailure.Reason.REJECTED, depth, who(depth) + describe(c)
                        + " has an unreadable extendedKeyUsage: " + e.getMessage());
            }
            if (ekus != null && !ekus.contains(wanted) && !ekus.contains(ANY_EKU)) {
                return new ChainFailure(ChainFailure.Reason.WRONG_PURPOSE, depth, who(depth) + describe(c)
                        + " is not for TLS " + (peerIsServer ? "servers" : "clients")
                        + ": its extendedKeyUsage " + ekus + " lacks " + (peerIsServer ? "serverAuth" : "clientAuth"));
            }
        }
        return null;
    }

    private static String who(int depth) {
        return depth == 0 ? "the peer's certificate " : "the CA certificate at depth " + depth + " ";
    }

    static String describe(X509Certificate c) {
        return "'" + c.getSubjectX500Principal().getName() + "'";
    }

    static String time(Date d) {
        return DateTimeFormatter.ISO_INSTANT.format(d.toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }
}
