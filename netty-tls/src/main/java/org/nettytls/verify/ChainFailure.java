package org.nettytls.verify;

import io.netty.internal.tcnative.CertificateVerifier;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;

/**
 * Why a peer chain was refused: the code and message of the {@link TlsException} the
 * application sees, the depth of the certificate at fault (0 the peer's own), and the OpenSSL
 * verify error that decides which TLS alert BoringSSL sends.
 */
final class ChainFailure {
    enum Reason {
        UNTRUSTED(TlsErrorCode.UNTRUSTED_CHAIN),
        SELF_SIGNED(TlsErrorCode.UNTRUSTED_CHAIN),
        EXPIRED(TlsErrorCode.CERT_EXPIRED),
        NOT_YET_VALID(TlsErrorCode.CERT_NOT_YET_VALID),
        INVALID_CA(TlsErrorCode.UNTRUSTED_CHAIN),
        NOT_FOR_SIGNING(TlsErrorCode.UNTRUSTED_CHAIN),
        PATH_LENGTH(TlsErrorCode.UNTRUSTED_CHAIN),
        NAME_CONSTRAINT(TlsErrorCode.UNTRUSTED_CHAIN),
        CRITICAL_EXTENSION(TlsErrorCode.PEER_CERT_REJECTED),
        CHAIN_TOO_LONG(TlsErrorCode.UNTRUSTED_CHAIN),
        BAD_SIGNATURE(TlsErrorCode.UNTRUSTED_CHAIN),
        WRONG_PURPOSE(TlsErrorCode.PEER_CERT_REJECTED),
        REJECTED(TlsErrorCode.PEER_CERT_REJECTED),
        REVOKED(TlsErrorCode.REVOKED),
        CRL_MISSING(TlsErrorCode.UNTRUSTED_CHAIN),
        CRL_DIFFERENT_SCOPE(TlsErrorCode.UNTRUSTED_CHAIN),
        CRL_EXPIRED(TlsErrorCode.UNTRUSTED_CHAIN),
        CRL_NOT_YET_VALID(TlsErrorCode.UNTRUSTED_CHAIN),
        CRL_BAD_SIGNATURE(TlsErrorCode.UNTRUSTED_CHAIN),
        CRL_SIGNER_NOT_ALLOWED(TlsErrorCode.UNTRUSTED_CHAIN),
        CRL_UNHANDLED_CRITICAL_EXTENSION(TlsErrorCode.UNTRUSTED_CHAIN),
        WEAK_KEY(TlsErrorCode.WEAK_CRYPTO),
        WEAK_SIGNATURE(TlsErrorCode.WEAK_CRYPTO),
        LEAF_MAY_SIGN(TlsErrorCode.PROFILE_VIOLATION),
        PROFILE(TlsErrorCode.PROFILE_VIOLATION),
        TOO_COMPLEX(TlsErrorCode.CHAIN_TOO_COMPLEX);

        final TlsErrorCode code;

        Reason(TlsErrorCode code) {
            this.code = code;
        }
    }

    final Reason reason;
    final int depth;
    final String message;

    ChainFailure(Reason reason, int depth, String message) {
        this.reason = reason;
        this.depth = depth;
        this.message = message;
    }

    TlsException toException() {
        return new TlsException(reason.code, message);
    }

    /** The X509_V_ERR code BoringSSL turns into the alert (unknown_ca, certificate_expired, ...). */
    int x509Error() {
        switch (reason) {
            case UNTRUSTED:
                return CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
            case SELF_SIGNED:
                return depth == 0 ? CertificateVerifier.X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
                        : CertificateVerifier.X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
            case EXPIRED:
                return CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
            case NOT_YET_VALID:
                return CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID;
            case INVALID_CA:
                return CertificateVerifier.X509_V_ERR_INVALID_CA;
            case NOT_FOR_SIGNING:
                return CertificateVerifier.X509_V_ERR_KEYUSAGE_NO_CERTSIGN;
            case PATH_LENGTH:
                return CertificateVerifier.X509_V_ERR_PATH_LENGTH_EXCEEDED;
            case NAME_CONSTRAINT:
                return CertificateVerifier.X509_V_ERR_PERMITTED_VIOLATION;
            case CRITICAL_EXTENSION:
                return CertificateVerifier.X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION;
            case CHAIN_TOO_LONG:
                return CertificateVerifier.X509_V_ERR_CERT_CHAIN_TOO_LONG;
            case BAD_SIGNATURE:
                return CertificateVerifier.X509_V_ERR_CERT_SIGNATURE_FAILURE;
            case WRONG_PURPOSE:
                return CertificateVerifier.X509_V_ERR_INVALID_PURPOSE;
            case REVOKED:
                return CertificateVerifier.X509_V_ERR_CERT_REVOKED;
            case CRL_MISSING:
                return CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_CRL;
            case CRL_DIFFERENT_SCOPE:
                return CertificateVerifier.X509_V_ERR_DIFFERENT_CRL_SCOPE;
            case CRL_EXPIRED:
                return CertificateVerifier.X509_V_ERR_CRL_HAS_EXPIRED;
            case CRL_NOT_YET_VALID:
                return CertificateVerifier.X509_V_ERR_CRL_NOT_YET_VALID;
            case CRL_BAD_SIGNATURE:
                return CertificateVerifier.X509_V_ERR_CRL_SIGNATURE_FAILURE;
            case CRL_SIGNER_NOT_ALLOWED:
                return CertificateVerifier.X509_V_ERR_KEYUSAGE_NO_CRL_SIGN;
            case CRL_UNHANDLED_CRITICAL_EXTENSION:
                return CertificateVerifier.X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION;
            case LEAF_MAY_SIGN:
                return CertificateVerifier.X509_V_ERR_INVALID_NON_CA;
            default:
                return CertificateVerifier.X509_V_ERR_CERT_REJECTED;
        }
    }

    @Override
    public String toString() {
        return reason + " at depth " + depth + ": " + message;
    }
}
