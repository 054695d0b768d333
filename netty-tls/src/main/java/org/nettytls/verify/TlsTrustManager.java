package org.nettytls.verify;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.Fingerprint;

/**
 * The engine-aware trust manager of netty-tls: it runs inside the handshake, so a peer that
 * fails verification fails the handshake itself with a TLS alert, before any application data
 * flows. It applies a {@link PeerVerification} (chain, verify callback, hostname scheme,
 * fingerprint pins, further checks, in the reference's order) and keeps the verdict on the
 * handshake session ({@link PeerVerdict#SESSION_KEY}).
 *
 * <p>With verification not enforced ({@code SSL_verify_mode => SSL_VERIFY_NONE}) nothing is
 * refused, but the verdict still records what would have failed.
 *
 * <p>It keeps no state between connections: one failed check never affects the next
 * connection (IO::Socket::SSL 2.081 has that bug with fingerprints).
 */
public final class TlsTrustManager extends X509ExtendedTrustManager {
    private final PeerVerification verification;
    private final X509Certificate[] acceptedIssuers;
    private final Clock clock;

    /**
     * @param verification what decides whether a peer is accepted
     * @param acceptedIssuers what a server names in its CertificateRequest ({@code SSL_client_ca}); may be empty
     */
    public TlsTrustManager(PeerVerification verification, List<X509Certificate> acceptedIssuers) {
        this(verification, acceptedIssuers, Clock.systemUTC());
    }

    TlsTrustManager(PeerVerification verification, List<X509Certificate> acceptedIssuers, Clock clock) {
        this.verification = verification;
        this.acceptedIssuers = acceptedIssuers.toArray(new X509Certificate[0]);
        this.clock = clock;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verify(chain, engine, true);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verify(chain, engine, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, null, true);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, null, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, null, true);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, null, false);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return acceptedIssuers.clone();
    }

    private void verify(X509Certificate[] chain, SSLEngine engine, boolean peerIsServer) throws CertificateException {
        List<X509Certificate> certs = chain == null ? List.of() : Arrays.asList(chain);
        PeerContext context = new PeerContext(certs, engine, peerIsServer);
        Refusal refusal = judge(context);
        record(engine, refusal == null ? PeerVerdict.verified() : PeerVerdict.failed(refusal.exception));
        if (refusal != null && verification.enforce()) {
            if (!OpenSsl.isAvailable()) {
                // A foreign engine (the JDK's): there is no OpenSSL verify code to hand back.
                throw new CertificateException(refusal.exception.getMessage(), refusal.exception);
            }
            OpenSslCertificateException e = new OpenSslCertificateException(refusal.exception.getMessage(),
                    refusal.x509Error());
            e.initCause(refusal.exception);
            throw e;
        }
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

    /** Applies {@link #verification} to the peer; {@code null} when it is accepted. */
    Refusal judge(PeerContext peer) {
        if (peer.chain().isEmpty()) {
            return new Refusal(new TlsException(TlsErrorCode.PEER_CERT_MISSING, "the peer sent no certificate"), null);
        }
        X509Certificate leaf = peer.leaf();
        ChainValidator.Result chain = ChainValidator.validate(peer.chain(), verification.trust(), peer.peerIsServer(),
                clock.instant());
        List<X509Certificate> path = chain.path;
        Refusal[] errors = new Refusal[path.size()];
        if (chain.failure != null) {
            errors[Math.min(chain.failure.depth, path.size() - 1)] = new Refusal(chain.failure.toException(), chain.failure);
        }
        checkRevocation(path, errors);
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
                error = checkName(peer, leaf);
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
    private void checkRevocation(List<X509Certificate> path, Refusal[] errors) {
        CrlStore crls = verification.crls();
        if (crls == null) {
            return;
        }
        int last = verification.crlFullChain() ? path.size() - 2 : Math.min(0, path.size() - 2);
        for (int depth = 0; depth <= last; depth++) {
            if (errors[depth] != null) {
                continue;
            }
            ChainFailure f = crls.check(path.get(depth), path.get(depth + 1), clock.instant()).toChainFailure(depth);
            if (f != null) {
                errors[depth] = new Refusal(f.toException(), f);
            }
        }
    }

    /** The hostname check at depth 0, or {@code null} when it passes or does not apply. */
    private Refusal checkName(PeerContext peer, X509Certificate leaf) {
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
        return new Refusal(r.toException(), null);
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

    private static void record(SSLEngine engine, PeerVerdict verdict) {
        if (engine == null) {
            return;
        }
        SSLSession session = engine.getHandshakeSession();
        if (session != null) {
            session.putValue(PeerVerdict.SESSION_KEY, verdict);
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
