package org.nettytls.verify;

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
import org.nettytls.cert.CaStore;

/**
 * The engine-aware trust manager of netty-tls: it runs inside the handshake, so a peer that
 * fails verification fails the handshake itself with a TLS alert, before any application data
 * flows. It validates the chain ({@link ChainValidator}), then runs the {@link PeerCheck}s in
 * order, and keeps the verdict on the handshake session ({@link PeerVerdict#SESSION_KEY}).
 *
 * <p>With {@code enforce} off ({@code SSL_verify_mode => SSL_VERIFY_NONE}) nothing is refused,
 * but the verdict still records what would have failed.
 */
public final class TlsTrustManager extends X509ExtendedTrustManager {
    private final CaStore trust;
    private final boolean enforce;
    private final List<PeerCheck> checks;
    private final X509Certificate[] acceptedIssuers;
    private final Clock clock;

    /**
     * @param trust the CAs to validate against
     * @param enforce whether a failure refuses the peer
     * @param checks what runs after the chain is validated, in order
     * @param acceptedIssuers what a server names in its CertificateRequest ({@code SSL_client_ca}); may be empty
     */
    public TlsTrustManager(CaStore trust, boolean enforce, List<PeerCheck> checks,
                           List<X509Certificate> acceptedIssuers) {
        this(trust, enforce, checks, acceptedIssuers, Clock.systemUTC());
    }

    TlsTrustManager(CaStore trust, boolean enforce, List<PeerCheck> checks,
                    List<X509Certificate> acceptedIssuers, Clock clock) {
        this.trust = trust;
        this.enforce = enforce;
        this.checks = List.copyOf(checks);
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
        ChainFailure chainFailure = trust == null
                ? new ChainFailure(ChainFailure.Reason.UNTRUSTED, 0, "no CA is configured to verify the peer against")
                : ChainValidator.validate(certs, trust, peerIsServer, clock.instant());
        TlsException failure = chainFailure != null ? chainFailure.toException() : null;
        int x509Error = chainFailure != null ? chainFailure.x509Error() : 0;
        if (failure == null && !certs.isEmpty()) {
            PeerContext context = new PeerContext(certs, engine, peerIsServer, true);
            for (PeerCheck check : checks) {
                try {
                    check.check(context);
                } catch (TlsException e) {
                    failure = e;
                    x509Error = x509ErrorFor(e.code());
                    break;
                } catch (RuntimeException e) {
                    failure = new TlsException(TlsErrorCode.PEER_CERT_REJECTED, "a peer check failed: " + e, e);
                    x509Error = CertificateVerifier.X509_V_ERR_APPLICATION_VERIFICATION;
                    break;
                }
            }
        }
        record(engine, failure == null ? PeerVerdict.verified() : PeerVerdict.failed(failure));
        if (failure != null && enforce) {
            OpenSslCertificateException refusal = new OpenSslCertificateException(failure.getMessage(), x509Error);
            refusal.initCause(failure);
            throw refusal;
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
            default:
                return CertificateVerifier.X509_V_ERR_APPLICATION_VERIFICATION;
        }
    }
}
