package org.nettytls.verify;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the JDK's PKIX second opinion says when its name-constraint code, not the chain, is at
 * fault. The JDK 17 merge of consecutive CAs' constraints ({@code GeneralSubtrees.intersect},
 * RFC 5280 6.1.4 (g)) keeps only the first of a lower CA's subtrees that narrow one of the upper
 * CA's, and, when an earlier narrowed subtree was already removed (or the subtrees are disjoint),
 * tries to exclude a whole name type by building a "widest" name from nothing: a
 * NullPointerException for addresses, "DNSName must not be null or empty" for DNS. So it refuses
 * chains that RFC 5280, {@link NameConstraintsCheck} and OpenSSL 3 accept.
 *
 * <p>Name constraints are this validator's own judgement ({@link NameConstraintsCheck} ran, over
 * every CA including the anchor and the matched name, before the JDK is asked). The JDK is kept
 * for the rest, and it stops at its first objection: what it would have found after the name
 * constraints is not known. So a name-constraint objection is set aside only where the defect can
 * strike, a path on which the JDK merges the constraints of two CAs, and when the rest can be had
 * from it another way:
 * <ul>
 * <li>no certificate below the anchor carries policyConstraints, policyMappings or
 *     inhibitAnyPolicy: without them (and with no explicit policy asked for) policy processing
 *     cannot fail on the path as a whole (RFC 5280 6.1.5 (g): explicit_policy never reaches 0);
 *     with them the JDK's refusal stands;</li>
 * <li>the JDK accepts every link alone, each certificate under its issuer as the anchor (an
 *     anchor's constraints are not merged, so the defect cannot strike): its algorithm
 *     constraints, distrusted certificates, signatures, validity, key usage and each
 *     certificate's own policy extensions are judged as before.</li>
 * </ul>
 * Every other objection stands, as does one whose origin cannot be told (an exception without a
 * stack trace, the JIT's preallocated NullPointerException aside).
 */
final class PkixNameConstraintDefects {
    private static final String CHECKER = "sun.security.provider.certpath.";
    private static final String CONSTRAINTS_CHECKER = CHECKER + "ConstraintsChecker";
    private static final String NAME_CONSTRAINTS = "2.5.29.30";
    /** Extensions that make policy processing depend on the path as a whole. */
    private static final Map<String, String> PATH_POLICY = Map.of(
            "2.5.29.33", "policyMappings",
            "2.5.29.36", "policyConstraints",
            "2.5.29.54", "inhibitAnyPolicy");

    private PkixNameConstraintDefects() {
    }

    /**
     * Whether the JDK's refusal came from its name-constraint code: a violation it reported
     * ({@link PKIXReason#INVALID_NAME}, which only its constraints checker gives), or an exception
     * whose innermost cause was thrown below the checker's name-constraint verify or merge. A
     * NullPointerException without a stack trace counts too: once the merge's has been thrown some
     * 16,000 times, the JIT throws a preallocated one without frames (HotSpot's
     * OmitStackTraceInFastThrow), and the verdict must not change with uptime. That is sound only
     * because {@link #pathPolicy} and {@link #linkByLink} already ask the JDK for everything it
     * checks besides names.
     */
    static boolean isNameConstraintObjection(Throwable t) {
        if (t instanceof CertPathValidatorException
                && ((CertPathValidatorException) t).getReason() == PKIXReason.INVALID_NAME) {
            return true;
        }
        Throwable root = t;
        for (int i = 0; i < 8 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        StackTraceElement[] frames = root.getStackTrace();
        if (frames.length == 0) {
            return root instanceof NullPointerException;
        }
        for (StackTraceElement frame : frames) {
            if (frame.getClassName().startsWith(CHECKER)) {
                return frame.getClassName().equals(CONSTRAINTS_CHECKER)
                        && (frame.getMethodName().equals("verifyNameConstraints")
                                || frame.getMethodName().equals("mergeNameConstraints"));
            }
        }
        return false;
    }

    /**
     * Whether the JDK merges name constraints on this path: two certificates below the anchor
     * carry them (the anchor's are not given to it). Both defects lie in that merge; a path with
     * one constrained CA gets the JDK's plain check of names against one CA's constraints, whose
     * refusal stands as a second opinion on {@link NameConstraintsCheck}.
     */
    static boolean mergesConstraints(List<X509Certificate> below) {
        int constrained = 0;
        for (X509Certificate c : below) {
            if (ChainValidator.extension(c, NAME_CONSTRAINTS) != null && ++constrained == 2) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether what the JDK checks besides name constraints can be had without them: the name of
     * the first extension that ties policy processing to the whole path and its certificate, or
     * {@code null}.
     */
    static String pathPolicy(List<X509Certificate> below) {
        for (X509Certificate c : below) {
            for (Map.Entry<String, String> e : PATH_POLICY.entrySet()) {
                if (ChainValidator.extension(c, e.getKey()) != null) {
                    return e.getValue() + " (" + e.getKey() + ") in " + ChainValidator.describe(c);
                }
            }
        }
        return null;
    }

    /**
     * The JDK's verdict on each link of {@code below} alone, under its issuer ({@code anchor} for
     * the last): {@code null} when it accepts every one, else why it refused the first it refused.
     */
    static ChainFailure linkByLink(List<X509Certificate> below, X509Certificate anchor, Date date,
            PKIXCertPathChecker handled) {
        for (int depth = 0; depth < below.size(); depth++) {
            X509Certificate issuer = depth + 1 < below.size() ? below.get(depth + 1) : anchor;
            X509Certificate c = below.get(depth);
            try {
                PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(issuer, null)));
                params.setRevocationEnabled(false);
                params.setDate(date);
                params.addCertPathChecker(handled);
                CertPathValidator.getInstance("PKIX").validate(
                        CertificateFactory.getInstance("X.509").generateCertPath(List.of(c)), params);
            } catch (GeneralSecurityException | RuntimeException e) {
                return new ChainFailure(ChainFailure.Reason.INVALID_CA, depth, "the chain is not valid at "
                        + ChainValidator.who(depth) + ChainValidator.describe(c) + " (the JDK's PKIX validator, asked"
                        + " of it under its issuer " + ChainValidator.describe(issuer) + " alone): " + e.getMessage());
            }
        }
        return null;
    }
}
