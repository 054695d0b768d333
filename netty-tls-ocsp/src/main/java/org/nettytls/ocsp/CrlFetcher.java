package org.nettytls.ocsp;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.URI;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nettytls.error.TlsException;
import org.nettytls.cert.CertificateFields;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.verify.internal.CrlStore;

/**
 * Revocation by the CRLs a certificate names in its CRL distribution points: fetched over HTTP
 * on the caller's event loop, with a size limit, verified by {@link CrlStore} (issuer, signature,
 * validity, issuing distribution point, critical extensions), and kept per URL until their
 * nextUpdate. Only a CRL that verified against its issuer is kept, so an answer forged on the
 * way cannot stick.
 */
final class CrlFetcher {
    private final int maxBytes;
    private final Duration timeout;
    private final Map<String, X509CRL> verified = new ConcurrentHashMap<>();

    CrlFetcher(int maxBytes, Duration timeout) {
        this.maxBytes = maxBytes;
        this.timeout = timeout;
    }

    /** The status of {@code cert} by the first CRL distribution point that gives an answer. */
    Future<OcspStatus> check(EventLoop loop, Class<? extends Channel> type, X509Certificate cert, X509Certificate issuer,
                             Instant now) {
        Promise<OcspStatus> result = loop.newPromise();
        List<String> urls = CertificateFields.crlUrls(cert);
        String subject = OcspVerifier.subject(cert);
        if (urls.isEmpty()) {
            result.setSuccess(OcspStatus.softFailure(OcspStatus.Source.CRL, subject, "no CRL distribution point", null));
            return result;
        }
        tryUrl(loop, type, urls, 0, cert, issuer, now, subject, result, "");
        return result;
    }

    private void tryUrl(EventLoop loop, Class<? extends Channel> type, List<String> urls, int index, X509Certificate cert,
                        X509Certificate issuer, Instant now, String subject, Promise<OcspStatus> result, String errors) {
        if (index >= urls.size()) {
            result.setSuccess(OcspStatus.softFailure(OcspStatus.Source.CRL, subject, "no usable CRL:" + errors, null));
            return;
        }
        String url = urls.get(index);
        X509CRL known = verified.get(url);
        if (known != null && known.getNextUpdate() != null && now.isBefore(known.getNextUpdate().toInstant())) {
            OcspStatus s = judge(known, cert, issuer, now, subject);
            if (s.result() != OcspStatus.Result.SOFT_FAILURE) {
                result.setSuccess(s);
                return;
            }
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            tryUrl(loop, type, urls, index + 1, cert, issuer, now, subject, result, errors + " " + url + ": not a URL;");
            return;
        }
        OcspHttp.get(loop, type, uri, timeout, maxBytes).addListener((Future<byte[]> f) -> {
            if (!f.isSuccess()) {
                tryUrl(loop, type, urls, index + 1, cert, issuer, now, subject, result,
                        errors + " " + f.cause().getMessage() + ";");
                return;
            }
            List<X509CRL> crls;
            try {
                crls = CertificateLoader.crls(f.getNow(), url);
            } catch (TlsException e) {
                tryUrl(loop, type, urls, index + 1, cert, issuer, now, subject, result, errors + " " + e.getMessage() + ";");
                return;
            }
            StringBuilder why = new StringBuilder(errors);
            for (X509CRL crl : crls) {
                OcspStatus s = judge(crl, cert, issuer, now, subject);
                if (s.result() != OcspStatus.Result.SOFT_FAILURE) {
                    if (crl.getNextUpdate() != null) {
                        verified.put(url, crl);
                    }
                    result.setSuccess(s);
                    return;
                }
                why.append(' ').append(url).append(": ").append(s.detail()).append(';');
            }
            tryUrl(loop, type, urls, index + 1, cert, issuer, now, subject, result, why.toString());
        });
    }

    private static OcspStatus judge(X509CRL crl, X509Certificate cert, X509Certificate issuer, Instant now, String subject) {
        CrlStore.Result r;
        try {
            r = CrlStore.builder().addCrls(List.of(crl)).build().check(cert, issuer, now);
        } catch (TlsException | IllegalArgumentException e) {
            return OcspStatus.softFailure(OcspStatus.Source.CRL, subject, e.getMessage(), null);
        }
        Instant thisUpdate = crl.getThisUpdate().toInstant();
        Instant nextUpdate = crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant();
        switch (r.status()) {
            case GOOD:
                return new OcspStatus(OcspStatus.Result.GOOD, OcspStatus.Source.CRL, subject, null, thisUpdate, nextUpdate,
                        nextUpdate);
            case REVOKED:
                return new OcspStatus(OcspStatus.Result.REVOKED, OcspStatus.Source.CRL, subject, r.message(), thisUpdate,
                        nextUpdate, nextUpdate);
            default:
                return OcspStatus.softFailure(OcspStatus.Source.CRL, subject, r.message(), null);
        }
    }
}
