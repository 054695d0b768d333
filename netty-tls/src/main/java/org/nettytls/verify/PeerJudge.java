package org.nettytls.verify;

import io.netty.internal.tcnative.CertificateVerifier;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.Fingerprint;

/**
 * The one place where the order of the checks of a {@link PeerVerification} lives: chain,
 * CRLs, verify callback, hostname scheme, fingerprint pins, further checks. The {@link TlsTrustManager}
 * applies it inside the handshake and the {@link HostnameSchemeVerifier} after a handshake that
 * another engine completed, so both come to the same verdict for the same peer.
 */
final class PeerJudge {
    private PeerJudge() {
    }

    /** Why a peer is refused, and what picks the alert BoringSSL sends. */
    static final class Refusal {
        final TlsException exception;
        private final ChainFailure chainFailure;

        Refusal(TlsException exception, ChainFailure chainFailure) {
            this.exception = exception;
            this.chainFailure = chainFailure;
        }

        /** The OpenSSL verify error; only asked for when BoringSSL is loaded, since the codes live in it. */
        int x509Error() {
            return chainFailure != null ? chainFailure.x509Error() : x509ErrorFor(exception.code());
        }
    }

    /**
     * Applies {@code verification} to the peer; {@code null} when it is accepted.
     *
     * @param now the time against which the chain's validity is checked
     * @param validateChain whether to validate the chain against {@link PeerVerification#trust()}; when
     *        {@code false} the chain counts as trusted as the peer sent it, because an engine that is not
     *        ours has already validated it
     */
    static Refusal judge(PeerVerification verification, PeerContext peer, Instant now, boolean validateChain) {
        return judge(verification, peer, now, validateChain, ChainMemory.NONE);
    }

    /** As {@link #judge(PeerVerification, PeerContext, Instant, boolean)}, with the chain facts already proven. */
    static Refusal judge(PeerVerification verification, PeerContext peer, Instant now, boolean validateChain,
            ChainMemory memory) {
        peer.validationTime(now);
        if (peer.chain().isEmpty()) {
            return new Refusal(new TlsException(TlsErrorCode.PEER_CERT_MISSING, "the peer sent no certificate"), null);
        }
        Refusal unreadable = unreadable(peer.chain(), verification.securityFloor());
        if (unreadable != null) {
            return unreadable;
        }
        X509Certificate leaf = peer.leaf();
        // The name is checked before the chain (it depends on the leaf alone), so that the chain's
        // name constraints can be applied to the name that matched; its verdict counts at depth 0.
        NameCheck name = checkName(verification, peer, leaf);
        NameConstraintsCheck.Identity identity = name.matched ? NameConstraintsCheck.Identity.of(name.name) : null;
        ChainValidator.Result chain = validateChain
                ? ChainValidator.validate(peer.chain(), verification.trust(), peer.peerIsServer(), now, memory,
                        verification.rules(), identity)
                : ChainValidator.asSent(peer.chain(), peer.peerIsServer(), verification.rules(), identity);
        List<X509Certificate> path = chain.path;
        if (chain.failures.isEmpty()) {
            peer.validatedPath(path);
        }
        List<List<Refusal>> errors = new ArrayList<>();
        for (int i = 0; i < path.size(); i++) {
            errors.add(new ArrayList<>());
        }
        for (ChainFailure f : chain.failures) {
            errors.get(Math.min(f.depth, path.size() - 1)).add(new Refusal(f.toException(), f));
        }
        checkRevocation(verification, path, errors, now);
        FingerprintPins pins = verification.pins();
        Refusal firstFailure = null;
        Refusal verdict = null;
        for (int depth = path.size() - 1; depth >= 0; depth--) {
            X509Certificate cert = path.get(depth);
            // As OpenSSL does, the callback hears of every failure at this depth, one call each, and
            // once with ok=true when there is none; forgiving one failure forgives no other.
            Refusal error = null;
            boolean ok = true;
            List<Refusal> here = errors.get(depth);
            if (verification.callback() == null) {
                if (!here.isEmpty()) {
                    ok = false;
                    error = here.get(0);
                }
            } else {
                for (int i = 0; i < Math.max(1, here.size()) && ok; i++) {
                    Refusal e = here.isEmpty() ? null : here.get(i);
                    boolean answer;
                    try {
                        answer = verification.callback().verify(e == null, cert, depth, e == null ? null : e.exception);
                    } catch (RuntimeException thrown) {
                        answer = false;
                        e = refusal(TlsErrorCode.PEER_CERT_REJECTED, "SSL_verify_callback threw " + thrown + " at depth "
                                + depth + " for " + ChainValidator.describe(cert), thrown);
                    }
                    if (!answer) {
                        ok = false;
                        error = e != null ? e : refusal(TlsErrorCode.PEER_CERT_REJECTED, "SSL_verify_callback refused "
                                + ChainValidator.describe(cert) + " at depth " + depth, null);
                    }
                }
            }
            if (depth == 0 && ok) {
                error = name.refusal;
                ok = error == null;
            }
            if (pins.isEmpty()) {
                if (!ok) {
                    verdict = error;
                    break;
                }
                continue;
            }
            if (depth > 0) {
                if (!ok && firstFailure == null) {
                    firstFailure = error;
                }
                continue;
            }
            if (pins.matches(leaf)) {
                verdict = null;
            } else if (verification.forceFingerprint()) {
                verdict = refusal(TlsErrorCode.FINGERPRINT_MISMATCH, "the peer's certificate "
                        + ChainValidator.describe(leaf) + " (" + fingerprintOf(leaf) + ") matches none of the pinned "
                        + "fingerprints " + pins + " (SSL_force_fingerprint)", null);
            } else if (firstFailure != null || !ok) {
                Refusal cause = firstFailure != null ? firstFailure : error;
                verdict = new Refusal(new TlsException(cause.exception.code(), cause.exception.getMessage()
                        + "; and no pinned fingerprint matched (" + fingerprintOf(leaf) + " is not among " + pins + ")",
                        cause.exception.getCause()), cause.chainFailure);
            }
        }
        if (verdict != null) {
            return verdict;
        }
        for (PeerCheck check : verification.checks()) {
            try {
                check.check(peer);
            } catch (TlsException e) {
                return new Refusal(e, null);
            } catch (RuntimeException e) {
                return refusal(TlsErrorCode.PEER_CERT_REJECTED, "a peer check failed: " + e, e);
            }
        }
        return null;
    }

    /**
     * Marks certificates revoked (or without a usable CRL) by the configured CRLs: the peer's own
     * certificate, or every certificate below the root with {@code crlFullChain}; each needs its
     * issuer in the path, so an unanchored chain is checked only as far as it goes.
     */
    private static void checkRevocation(PeerVerification verification, List<X509Certificate> path,
                                        List<List<Refusal>> errors, Instant now) {
        CrlStore crls = verification.crls();
        if (crls == null) {
            return;
        }
        int last = verification.crlFullChain() ? path.size() - 2 : Math.min(0, path.size() - 2);
        for (int depth = 0; depth <= last; depth++) {
            X509Certificate cert = path.get(depth);
            X509Certificate issuer = path.get(depth + 1);
            if (!issuer.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                // A chain taken as sent (not built here) may not be in issuing order.
                continue;
            }
            ChainFailure f = crls.check(cert, issuer, now).toChainFailure(depth);
            if (f != null) {
                errors.get(depth).add(new Refusal(f.toException(), f));
            }
        }
    }

    /** The hostname check's outcome: the refusal (or none), and the name it matched. */
    private static final class NameCheck {
        static final NameCheck NOT_CHECKED = new NameCheck(null, false, null);

        final Refusal refusal;
        final boolean matched;
        final String name;

        NameCheck(Refusal refusal, boolean matched, String name) {
            this.refusal = refusal;
            this.matched = matched;
            this.name = name;
        }
    }

    /**
     * The hostname check at depth 0. A name matched by a scheme's callback is not handed on to the
     * name constraints: the callback, not the certificate's names, decided.
     */
    private static NameCheck checkName(PeerVerification verification, PeerContext peer, X509Certificate leaf) {
        HostnameScheme scheme = verification.nameScheme();
        if (scheme == null) {
            return NameCheck.NOT_CHECKED;
        }
        String name = verification.verifyName();
        if (name == null && !peer.peerIsServer()) {
            // A client's certificate is checked by name only where the server names what to expect.
            return NameCheck.NOT_CHECKED;
        }
        if (name == null) {
            name = peer.serverName();
        }
        if (name == null) {
            name = peer.peerHost();
        }
        if (name == null && scheme.callback() != null) {
            name = "unknown";
        }
        if (name == null) {
            return new NameCheck(refusal(TlsErrorCode.HOSTNAME_MISMATCH, "cannot determine the peer's name to verify under"
                    + " scheme " + scheme.name() + ": connect with a host name or set SSL_verifycn_name", null), false, null);
        }
        HostnameVerification.Result r = HostnameVerification.check(name, leaf, scheme, verification.publicSuffix());
        if (r.matched()) {
            return new NameCheck(null, scheme.callback() == null, name);
        }
        return new NameCheck(new Refusal(r.toException(), null), false, name);
    }

    /**
     * The first certificate of the chain that Java cannot parse, refused with what it is: Netty
     * hands the chain over unparsed and parses a certificate on first use, so without this the
     * failure would surface as an {@code IllegalStateException} in whichever check came first
     * ("General OpenSslEngine problem"). Such a certificate is read with Bouncy Castle to name it;
     * the usual case, an EC public key written as a compressed point (which OpenSSL and
     * BoringSSL accept and the JDK does not), is said in those words.
     */
    static Refusal unreadable(List<X509Certificate> chain, SecurityFloor floor) {
        for (int depth = 0; depth < chain.size(); depth++) {
            X509Certificate certificate = chain.get(depth);
            try {
                certificate.getPublicKey();
            } catch (RuntimeException e) {
                String curve = floor == SecurityFloor.STANDARD ? unusualCurve(certificate) : null;
                if (curve != null) {
                    return refusal(TlsErrorCode.WEAK_CRYPTO, "the peer's certificate at depth " + depth + " " + curve, e);
                }
                return refusal(TlsErrorCode.PEER_CERT_REJECTED, "the peer's certificate at depth " + depth + " "
                        + describeUnreadable(certificate, e), e);
            }
        }
        return null;
    }

    /**
     * For a certificate whose EC key Java cannot read because it lies on a named curve other than
     * P-256, P-384 or P-521 (brainpool, secp256k1, ...): what to say, or {@code null}.
     */
    private static String unusualCurve(X509Certificate certificate) {
        try {
            Certificate parsed = Certificate.getInstance(certificate.getEncoded());
            SubjectPublicKeyInfo key = parsed.getSubjectPublicKeyInfo();
            if (!X9ObjectIdentifiers.id_ecPublicKey.equals(key.getAlgorithm().getAlgorithm())
                    || !(key.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier)) {
                return null;
            }
            ASN1ObjectIdentifier oid = (ASN1ObjectIdentifier) key.getAlgorithm().getParameters();
            String name = org.bouncycastle.asn1.x9.ECNamedCurveTable.getName(oid);
            if (name == null || name.equals("prime256v1") || name.equals("secp384r1") || name.equals("secp521r1")) {
                return null;
            }
            return "(" + parsed.getSubject() + ") has an EC key on the curve " + name + "; the security floor allows"
                    + " P-256, P-384 and P-521 only (and Java cannot read that curve)";
        } catch (CertificateEncodingException | RuntimeException e) {
            return null;
        }
    }

    private static String describeUnreadable(X509Certificate certificate, RuntimeException e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String problem = "cannot be parsed by Java (" + root.getMessage() + ")";
        try {
            Certificate parsed = Certificate.getInstance(certificate.getEncoded());
            SubjectPublicKeyInfo key = parsed.getSubjectPublicKeyInfo();
            byte[] point = key.getPublicKeyData().getOctets();
            if (X9ObjectIdentifiers.id_ecPublicKey.equals(key.getAlgorithm().getAlgorithm()) && point.length > 0
                    && (point[0] == 2 || point[0] == 3)) {
                problem = "encodes its EC public key as a compressed point (X9.62 form 0x0" + point[0]
                        + "), which Java cannot read; the peer needs a certificate with the uncompressed point"
                        + " (form 0x04, what OpenSSL and CAs write by default)";
            }
            return "(" + parsed.getSubject() + ") " + problem;
        } catch (CertificateEncodingException | RuntimeException notEvenThat) {
            return problem;
        }
    }

    private static Refusal refusal(TlsErrorCode code, String message, Throwable cause) {
        return new Refusal(new TlsException(code, message, cause), null);
    }

    private static String fingerprintOf(X509Certificate leaf) {
        try {
            return Fingerprint.of(leaf);
        } catch (TlsException e) {
            return "no fingerprint: " + e.getMessage();
        }
    }


    static int x509ErrorFor(TlsErrorCode code) {
        switch (code) {
            case HOSTNAME_MISMATCH:
                return CertificateVerifier.X509_V_ERR_HOSTNAME_MISMATCH;
            case REVOKED:
                return CertificateVerifier.X509_V_ERR_CERT_REVOKED;
            case CERT_EXPIRED:
                return CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
            case CERT_NOT_YET_VALID:
                return CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID;
            case UNTRUSTED_CHAIN:
                return CertificateVerifier.X509_V_ERR_CERT_UNTRUSTED;
            case PEER_CERT_REJECTED:
                return CertificateVerifier.X509_V_ERR_CERT_REJECTED;
            default:
                return CertificateVerifier.X509_V_ERR_APPLICATION_VERIFICATION;
        }
    }
}
