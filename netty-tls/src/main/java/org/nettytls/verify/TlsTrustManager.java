package org.nettytls.verify;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.ResumableX509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The engine-aware trust manager of netty-tls: it runs inside the handshake, so a peer that
 * fails verification fails the handshake itself with a TLS alert, before any application data
 * flows. It applies a {@link PeerVerification} (chain, verify callback, hostname scheme,
 * fingerprint pins, further checks, in the reference's order) and keeps the verdict on the
 * handshake session ({@link PeerVerdict#SESSION_KEY}). Every date is checked against the
 * verification's clock ({@link PeerVerification#clock()}), read once per handshake.
 *
 * <p>With verification not enforced ({@code SSL_verify_mode => SSL_VERIFY_NONE}) nothing is
 * refused, but the verdict still records what would have failed.
 *
 * <p>It keeps no verdict between connections: one failed check never affects the next
 * connection (IO::Socket::SSL 2.081 has that bug with fingerprints). What it keeps is a bounded
 * {@link ChainMemory} of facts no clock changes, proven on earlier handshakes: which certificate
 * bytes a key signed, which paths the JDK's PKIX validator accepted; everything else (the
 * profile, the security floor, name constraints, dates, ...) is checked again on every handshake
 * and every resumption, so no remembered fact stands in for a rule.
 */
public final class TlsTrustManager extends X509ExtendedTrustManager implements ResumableX509ExtendedTrustManager {
    private final PeerVerification verification;
    private final X509Certificate[] acceptedIssuers;
    private final Clock clock;
    private final ChainMemory memory;

    /**
     * @param verification what decides whether a peer is accepted
     * @param acceptedIssuers what a server names in its CertificateRequest ({@code SSL_client_ca}); may be empty
     */
    public TlsTrustManager(PeerVerification verification, List<X509Certificate> acceptedIssuers) {
        this(verification, acceptedIssuers, verification.clock());
    }

    TlsTrustManager(PeerVerification verification, List<X509Certificate> acceptedIssuers, Clock clock) {
        this(verification, acceptedIssuers, clock, new ChainMemory(ChainMemory.DEFAULT_SIZE));
    }

    TlsTrustManager(PeerVerification verification, List<X509Certificate> acceptedIssuers, Clock clock,
            ChainMemory memory) {
        this.verification = verification;
        this.acceptedIssuers = acceptedIssuers.toArray(new X509Certificate[0]);
        this.clock = clock;
        this.memory = memory;
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

    /**
     * A resumed session skips the handshake's certificate check; Netty calls this instead, before
     * the handshake is reported complete, and every check runs again on the chain the session
     * remembers, now: resumption never bypasses a check, and a peer revoked or pinned out since
     * the full handshake is refused.
     */
    @Override
    public void resumeServerTrusted(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        verify(chain, engine, true);
    }

    @Override
    public void resumeClientTrusted(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        verify(chain, engine, false);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return acceptedIssuers.clone();
    }

    private void verify(X509Certificate[] chain, SSLEngine engine, boolean peerIsServer) throws CertificateException {
        List<X509Certificate> certs = chain == null ? List.of() : Arrays.asList(chain);
        PeerContext context = new PeerContext(certs, engine, peerIsServer);
        PeerJudge.Refusal refusal = PeerJudge.judge(verification, context, clock.instant(), true, memory);
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

    private static void record(SSLEngine engine, PeerVerdict verdict) {
        if (engine == null) {
            return;
        }
        SSLSession session = engine.getHandshakeSession();
        if (session == null) {
            // Resumption is judged after the handshake, on the session itself.
            session = engine.getSession();
        }
        if (session != null) {
            session.putValue(PeerVerdict.SESSION_KEY, verdict);
        }
    }
}
