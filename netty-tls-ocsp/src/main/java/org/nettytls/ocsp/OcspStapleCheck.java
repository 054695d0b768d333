package org.nettytls.ocsp;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.CertificateFields;
import org.nettytls.verify.PeerCheck;
import org.nettytls.verify.PeerContext;

/**
 * The staple check inside the handshake: BoringSSL hands the server's staple to the trust
 * manager (TLS 1.2 and 1.3; {@code StapleInHandshakeTest} proves it), so a revoked, unknown or
 * (where one is required) missing or unusable staple fails the handshake itself with an alert.
 * What it found is left on the handshake session for the {@link OcspStapleHandler}.
 */
final class OcspStapleCheck implements PeerCheck {
    /** The session value under which the check leaves its {@link Record}. */
    static final String SESSION_KEY = "org.nettytls.ocsp.OcspStapleCheck";

    private final OcspClientConfig config;

    OcspStapleCheck(OcspClientConfig config) {
        this.config = config;
    }

    /** What the check found in one full handshake. */
    static final class Record {
        final List<X509Certificate> path;
        final byte[] staple;
        final boolean mustStaple;
        final OcspStatus leaf;

        Record(List<X509Certificate> path, byte[] staple, boolean mustStaple, OcspStatus leaf) {
            this.path = path;
            this.staple = staple;
            this.mustStaple = mustStaple;
            this.leaf = leaf;
        }
    }

    @Override
    public void check(PeerContext peer) throws TlsException {
        SSLEngine engine = peer.engine();
        if (!peer.peerIsServer() || !(engine instanceof ReferenceCountedOpenSslEngine)) {
            // Client certificates, and engines that cannot staple, are not ours to judge.
            return;
        }
        List<X509Certificate> path = peer.validatedPath();
        X509Certificate leaf = path.get(0);
        X509Certificate issuer = path.size() > 1 ? path.get(1) : leaf;
        boolean mustStaple = CertificateFields.mustStaple(leaf);
        String subject = OcspVerifier.subject(leaf);
        if (config.mode() == OcspMode.NO_STAPLE) {
            record(engine, new Record(path, null, mustStaple, OcspStatus.notChecked(subject, "no staple asked for (NO_STAPLE)"
                    + (mustStaple ? "; the certificate demands one (TLS feature status_request)" : ""))));
            return;
        }
        byte[] staple = ((ReferenceCountedOpenSslEngine) engine).getOcspResponse();
        if (staple != null && staple.length == 0) {
            staple = null;
        }
        if (config.stapleCallback() != null) {
            // The callback replaces these checks; it needs the channel, so the handler calls it.
            record(engine, new Record(path, staple, mustStaple, null));
            return;
        }
        // The options' validation clock, as for the chain; the config's own when judged elsewhere.
        java.time.Instant now = peer.validationTime() != null ? peer.validationTime() : config.now();
        OcspStatus status = judge(config, leaf, issuer, subject, staple, now);
        record(engine, new Record(path, staple, mustStaple, status));
        TlsException refusal = refusal(status, staple != null, mustStaple, config);
        if (refusal != null) {
            throw refusal;
        }
    }

    /**
     * The leaf's status from its staple ({@code null}: none) and the cache: a cached revocation
     * stands, a missing staple falls back to a cached good answer, a staple is verified (its
     * signature once per distinct staple, its dates every time) and a signed verdict cached.
     */
    static OcspStatus judge(OcspClientConfig config, X509Certificate leaf, X509Certificate issuer, String subject,
                            byte[] staple) {
        return judge(config, leaf, issuer, subject, staple, config.now());
    }

    /** As above, with the staple's dates checked against {@code now}. */
    static OcspStatus judge(OcspClientConfig config, X509Certificate leaf, X509Certificate issuer, String subject,
                            byte[] staple, java.time.Instant now) {
        OcspCertId id = OcspCertId.of(leaf, issuer);
        OcspStatus cached = config.cache().get(id);
        if (cached != null && cached.isHardFailure()) {
            // A revocation learned earlier stands, whatever this server staples now (a replay of an older "good").
            return cached.from(OcspStatus.Source.CACHE);
        }
        if (staple == null) {
            return cached != null && cached.isGood() ? cached.from(OcspStatus.Source.CACHE)
                    : OcspStatus.softFailure(OcspStatus.Source.STAPLE, subject, "the server sent no staple", null);
        }
        // The same staple comes in every handshake with this server: its signature is checked once.
        OcspStatus status = config.verifier().verifyStaple(staple, leaf, issuer, now, OcspStatus.Source.STAPLE);
        if (status.result() != OcspStatus.Result.SOFT_FAILURE) {
            config.cache().put(id, status);
        }
        return status;
    }

    /**
     * Why the handshake must fail now, or {@code null}. A soft failure waits for the handler
     * when it may still resolve an answer.
     */
    static TlsException refusal(OcspStatus status, boolean stapled, boolean mustStaple, OcspClientConfig config) {
        // A status from a staple callback may name no certificate.
        String cert = status.subject() != null ? "the server's certificate " + status.subject() : "the server's certificate";
        if (status.result() == OcspStatus.Result.REVOKED) {
            return new TlsException(TlsErrorCode.REVOKED, cert + " is revoked: " + status);
        }
        if (status.result() == OcspStatus.Result.UNKNOWN) {
            return new TlsException(TlsErrorCode.OCSP_RESPONSE_INVALID, "the OCSP responder does not know " + cert
                    + ": " + status);
        }
        if (status.isGood()) {
            return null;
        }
        boolean required = mustStaple || config.mode() == OcspMode.MUST_STAPLE;
        String why = mustStaple ? "the certificate demands a staple (TLS feature status_request)"
                : "SSL_ocsp_mode is MUST_STAPLE";
        if (required && !stapled) {
            return new TlsException(TlsErrorCode.STAPLE_MISSING, "expected a stapled OCSP response because " + why
                    + ", but the server sent none");
        }
        if (required && status.source() == OcspStatus.Source.STAPLE) {
            return new TlsException(TlsErrorCode.OCSP_RESPONSE_INVALID, "expected a usable stapled OCSP response because "
                    + why + ", but it is not: " + status.detail());
        }
        if (config.failHard() && !config.resolve()) {
            return new TlsException(stapled ? TlsErrorCode.OCSP_RESPONSE_INVALID : TlsErrorCode.STAPLE_MISSING,
                    "SSL_OCSP_FAIL_HARD: no good OCSP answer for " + status.subject() + ": " + status.detail());
        }
        return null;
    }

    private static void record(SSLEngine engine, Record record) {
        SSLSession session = engine.getHandshakeSession();
        if (session != null) {
            session.putValue(SESSION_KEY, record);
        }
    }
}
