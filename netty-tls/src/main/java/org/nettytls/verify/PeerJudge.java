package org.nettytls.verify;

import io.netty.internal.tcnative.CertificateVerifier;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.Fingerprint;

/**
 * The one place where the order of the checks of a {@link PeerVerification} lives: chain,
 * verify callback, hostname scheme, fingerprint pins, further checks. The {@link TlsTrustManager}
 * applies it inside the handshake and the {@link HostnameSchemeVerifier} after a handshake that
 * another engine completed, so both come to the same verdict for the same peer.
 */
final class PeerJudge {
    private PeerJudge() {
    }

    /** Why a peer is refused, and the OpenSSL verify error that picks the alert. */
    static final class Refusal {
        final TlsException exception;
        final int x509Error;

        Refusal(TlsException exception, int x509Error) {
            this.exception = exception;
            this.x509Error = x509Error;
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
        if (peer.chain().isEmpty()) {
            return new Refusal(new TlsException(TlsErrorCode.PEER_CERT_MISSING, "the peer sent no certificate"),
                    CertificateVerifier.X509_V_ERR_UNSPECIFIED);
        }
        X509Certificate leaf = peer.leaf();
        ChainValidator.Result chain = validateChain
                ? ChainValidator.validate(peer.chain(), verification.trust(), peer.peerIsServer(), now)
                : ChainValidator.Result.asSent(peer.chain());
        List<X509Certificate> path = chain.path;
        Refusal[] errors = new Refusal[path.size()];
        if (chain.failure != null) {
            errors[Math.min(chain.failure.depth, path.size() - 1)] =
                    new Refusal(chain.failure.toException(), chain.failure.x509Error());
        }
        FingerprintPins pins = verification.pins();
        Refusal firstFailure = null;
        Refusal verdict = null;
        for (int depth = path.size() - 1; depth >= 0; depth--) {
            X509Certificate cert = path.get(depth);
            Refusal error = errors[depth];
            boolean ok = error == null;
            if (verification.callback() != null) {
                boolean answer;
                try {
                    answer = verification.callback().verify(ok, cert, depth, error == null ? null : error.exception);
                } catch (RuntimeException e) {
                    answer = false;
                    error = refusal(TlsErrorCode.PEER_CERT_REJECTED, "SSL_verify_callback threw " + e + " at depth "
                            + depth + " for " + ChainValidator.describe(cert), e);
                }
                if (!answer && error == null) {
                    error = refusal(TlsErrorCode.PEER_CERT_REJECTED, "SSL_verify_callback refused "
                            + ChainValidator.describe(cert) + " at depth " + depth, null);
                }
                ok = answer;
            }
            if (depth == 0 && ok) {
                error = checkName(verification, peer, leaf);
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
                        cause.exception.getCause()), cause.x509Error);
            }
        }
        if (verdict != null) {
            return verdict;
        }
        for (PeerCheck check : verification.checks()) {
            try {
                check.check(peer);
            } catch (TlsException e) {
                return new Refusal(e, x509ErrorFor(e.code()));
            } catch (RuntimeException e) {
                return refusal(TlsErrorCode.PEER_CERT_REJECTED, "a peer check failed: " + e, e);
            }
        }
        return null;
    }

    /** The hostname check at depth 0, or {@code null} when it passes or does not apply. */
    private static Refusal checkName(PeerVerification verification, PeerContext peer, X509Certificate leaf) {
        HostnameScheme scheme = verification.scheme();
        if (scheme == null) {
            return null;
        }
        String name = verification.verifyName();
        if (name == null && !peer.peerIsServer()) {
            // A client's certificate is checked by name only where the server names what to expect.
            return null;
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
            return refusal(TlsErrorCode.HOSTNAME_MISMATCH, "cannot determine the peer's name to verify under scheme "
                    + scheme.name() + ": connect with a host name or set SSL_verifycn_name", null);
        }
        HostnameVerification.Result r = HostnameVerification.check(name, leaf, scheme, verification.publicSuffix());
        if (r.matched()) {
            return null;
        }
        return new Refusal(r.toException(), CertificateVerifier.X509_V_ERR_HOSTNAME_MISMATCH);
    }

    private static Refusal refusal(TlsErrorCode code, String message, Throwable cause) {
        return new Refusal(new TlsException(code, message, cause), x509ErrorFor(code));
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
