package org.nettytls.ocsp;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.nettytls.cert.CertificateFields;

/**
 * Asks OCSP responders about certificates that no staple answered: IO::Socket::SSL's
 * {@code ocsp_resolver} with the same methods ({@link #requests()}, {@link #addResponse},
 * {@link #hardError()}, {@link #softError()}), and {@link #resolve} doing what its
 * {@code resolve_blocking} does, asynchronously on an event loop.
 *
 * <p>Requests are batched per responder URL; a response that answers only some of a batch puts
 * the rest into a new request. Verified answers go into the {@link OcspCache}; failures to get an
 * answer are cached for {@link #SOFT_FAILURE_TTL} only. A certificate without an OCSP URL is a
 * soft result (with {@link OcspClientConfig.CrlUse#FALLBACK} its CRL is tried instead).
 *
 * <p>Not thread-safe: use one instance from one event loop.
 */
final class OcspResolver {
    /** How long a failure to get an answer is remembered, so that a down responder is not asked on every connection. */
    public static final Duration SOFT_FAILURE_TTL = Duration.ofSeconds(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final OcspClientConfig config;
    private final List<X509Certificate> certs = new ArrayList<>();
    private final List<X509Certificate> issuers = new ArrayList<>();
    private final OcspStatus[] statuses;
    private final Map<String, Batch> todo = new LinkedHashMap<>();
    private final List<Integer> crlTodo = new ArrayList<>();
    private final List<String> softErrors = new ArrayList<>();
    private String hardError;

    /** The open request for one responder URL. */
    private static final class Batch {
        final List<Integer> targets;
        final byte[] request;
        final byte[] nonce;

        Batch(List<Integer> targets, byte[] request, byte[] nonce) {
            this.targets = targets;
            this.request = request;
            this.nonce = nonce;
        }
    }

    /**
     * A resolver for the certificates of {@code path} (the validated chain, the server's own
     * certificate first and the trust anchor last): the server's only, or every one below the
     * anchor with {@link OcspClientConfig#fullChain()}.
     */
    public static OcspResolver forChain(List<X509Certificate> path, OcspClientConfig config) {
        int last = config.fullChain() ? path.size() - 2 : Math.min(0, path.size() - 2);
        List<X509Certificate> subjects = new ArrayList<>();
        List<X509Certificate> issuing = new ArrayList<>();
        for (int i = 0; i <= last; i++) {
            subjects.add(path.get(i));
            issuing.add(path.get(i + 1));
        }
        return new OcspResolver(subjects, issuing, config);
    }

    OcspResolver(List<X509Certificate> subjects, List<X509Certificate> issuing, OcspClientConfig config) {
        this.config = config;
        this.statuses = new OcspStatus[subjects.size()];
        Map<String, List<Integer>> byUrl = new LinkedHashMap<>();
        for (int i = 0; i < subjects.size(); i++) {
            X509Certificate cert = subjects.get(i);
            X509Certificate issuer = issuing.get(i);
            certs.add(cert);
            issuers.add(issuer);
            OcspStatus cached = config.cache().get(OcspCertId.of(cert, issuer).key());
            if (cached != null && cached.isHardFailure()) {
                statuses[i] = cached.from(OcspStatus.Source.CACHE);
                hardError = describe(cached);
                byUrl.clear();
                crlTodo.clear();
                break;
            }
            if (cached != null) {
                statuses[i] = cached.from(OcspStatus.Source.CACHE);
                if (!cached.isGood()) {
                    softErrors.add(describe(cached));
                }
                continue;
            }
            if (config.crlDistributionPoints() == OcspClientConfig.CrlUse.ONLY) {
                crlTodo.add(i);
                continue;
            }
            String url = config.responderUrl() != null ? config.responderUrl().toString() : firstOcspUrl(cert);
            if (url == null) {
                statuses[i] = OcspStatus.softFailure(OcspStatus.Source.RESOLVER, OcspVerifier.subject(cert),
                        "the certificate names no OCSP responder", null);
                fallBackToCrl(i);
                continue;
            }
            byUrl.computeIfAbsent(url, u -> new ArrayList<>()).add(i);
        }
        if (hardError == null) {
            byUrl.forEach((url, targets) -> todo.put(url, batch(targets)));
            settleIfDone();
        }
    }

    private static String firstOcspUrl(X509Certificate cert) {
        for (String url : CertificateFields.ocspUrls(cert)) {
            if (url.regionMatches(true, 0, "http://", 0, 7)) {
                return url;
            }
        }
        return null;
    }

    private void fallBackToCrl(int i) {
        if (config.crlDistributionPoints() == OcspClientConfig.CrlUse.FALLBACK) {
            crlTodo.add(i);
        } else {
            softErrors.add(describe(statuses[i]));
        }
    }

    private Batch batch(List<Integer> targets) {
        try {
            DigestCalculator sha1 = new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1);
            OCSPReqBuilder b = new OCSPReqBuilder();
            for (int i : targets) {
                b.addRequest(new CertificateID(sha1, new JcaX509CertificateHolder(issuers.get(i)),
                        certs.get(i).getSerialNumber()));
            }
            byte[] nonce = null;
            if (config.nonce()) {
                byte[] random = new byte[16];
                RANDOM.nextBytes(random);
                nonce = new DEROctetString(random).getEncoded();
                b.setRequestExtensions(new Extensions(new Extension(OcspVerifier.NONCE, false, nonce)));
            }
            return new Batch(List.copyOf(targets), b.build().getEncoded(), nonce);
        } catch (OperatorCreationException | CertificateEncodingException | OCSPException | IOException e) {
            throw new IllegalStateException("cannot build an OCSP request: " + e.getMessage(), e);
        }
    }

    /** {@code requests}: the open requests, responder URL to DER OCSP request. */
    public Map<String, byte[]> requests() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        todo.forEach((url, batch) -> out.put(url, batch.request.clone()));
        return out;
    }

    /**
     * {@code add_response}: the responder at {@code url} answered {@code response} (DER), or
     * {@code null} when the request failed. Returns {@link #hardError()}.
     */
    public String addResponse(String url, byte[] response) {
        return addResponse(url, response, null);
    }

    private String addResponse(String url, byte[] response, String transportError) {
        Batch batch = todo.remove(url);
        if (batch == null || (hardError != null && !hardError.isEmpty())) {
            return hardError;
        }
        List<String> soft = new ArrayList<>();
        List<String> hard = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        boolean anyFound = false;
        for (int i : batch.targets) {
            X509Certificate cert = certs.get(i);
            OcspCertId id = OcspCertId.of(cert, issuers.get(i));
            OcspStatus s;
            if (response == null) {
                s = OcspStatus.softFailure(OcspStatus.Source.RESOLVER, OcspVerifier.subject(cert), "the HTTP request failed"
                        + (transportError == null ? "" : ": " + transportError), null);
            } else {
                if (batch.targets.size() > 1 && !OcspVerifier.hasAnswerFor(response, cert, issuers.get(i))) {
                    missing.add(i);
                    continue;
                }
                s = config.verifier().verify(response, cert, issuers.get(i), batch.nonce, config.now(),
                        OcspStatus.Source.RESOLVER);
            }
            anyFound = true;
            statuses[i] = s;
            if (s.result() == OcspStatus.Result.SOFT_FAILURE) {
                config.cache().put(id.key(), OcspStatus.softFailure(OcspStatus.Source.RESOLVER, s.subject(), s.detail(),
                        config.now().plus(SOFT_FAILURE_TTL)));
                soft.add(describe(s));
                fallBackToCrlQuietly(i);
            } else {
                config.cache().put(id.key(), s);
                if (s.isHardFailure()) {
                    hard.add(describe(s));
                }
            }
        }
        if (!missing.isEmpty() && anyFound) {
            todo.put(url, batch(missing));
        } else if (!missing.isEmpty()) {
            for (int i : missing) {
                statuses[i] = OcspStatus.softFailure(OcspStatus.Source.RESOLVER, OcspVerifier.subject(certs.get(i)),
                        "the response has no answer for it", null);
                soft.add(describe(statuses[i]));
                fallBackToCrlQuietly(i);
            }
        }
        if (config.failHard()) {
            hard.addAll(soft);
            soft.clear();
        }
        if (!soft.isEmpty()) {
            softErrors.add(url + ": " + String.join("; ", soft));
        }
        if (!hard.isEmpty()) {
            hardError = url + ": " + String.join("; ", hard);
            todo.clear();
            crlTodo.clear();
        } else {
            settleIfDone();
        }
        return hardError;
    }

    private void fallBackToCrlQuietly(int i) {
        if (config.crlDistributionPoints() == OcspClientConfig.CrlUse.FALLBACK) {
            crlTodo.add(i);
        }
    }

    private void settleIfDone() {
        if (todo.isEmpty() && crlTodo.isEmpty() && hardError == null) {
            hardError = "";
        }
    }

    /**
     * {@code hard_error}: {@code null} while answers are outstanding, the empty string when all
     * are in and none is a hard failure, else what failed.
     */
    public String hardError() {
        return hardError;
    }

    /** {@code soft_error}: what could not be answered, or {@code null}. */
    public String softError() {
        return softErrors.isEmpty() ? null : String.join("; ", softErrors);
    }

    /** The certificates asked about, in order. */
    public List<X509Certificate> certificates() {
        return List.copyOf(certs);
    }

    /** What is known of each of {@link #certificates()}, in order; {@code null} where nothing is known yet. */
    public List<OcspStatus> statuses() {
        List<OcspStatus> out = new ArrayList<>(statuses.length);
        for (OcspStatus s : statuses) {
            out.add(s);
        }
        return out;
    }

    /**
     * Sends every open request (and fetches CRLs where configured) on {@code loop}, over
     * channels of {@code type}, until {@link #hardError()} is final. The future completes on
     * {@code loop}; nothing here blocks it.
     */
    public Future<OcspResolver> resolve(EventLoop loop, Class<? extends Channel> type) {
        Promise<OcspResolver> done = loop.newPromise();
        if (loop.inEventLoop()) {
            round(loop, type, done);
        } else {
            loop.execute(() -> round(loop, type, done));
        }
        return done;
    }

    private void round(EventLoop loop, Class<? extends Channel> type, Promise<OcspResolver> done) {
        Map<String, byte[]> open = requests();
        if (open.isEmpty()) {
            crls(loop, type, done);
            return;
        }
        int[] outstanding = {open.size()};
        open.forEach((url, request) -> OcspHttp.ocsp(loop, type, URI.create(url), request, config.timeout(),
                config.maxResponseBytes()).addListener((Future<byte[]> f) -> {
                    addResponse(url, f.isSuccess() ? f.getNow() : null, f.isSuccess() ? null : f.cause().getMessage());
                    if (--outstanding[0] == 0) {
                        round(loop, type, done);
                    }
                }));
    }

    private void crls(EventLoop loop, Class<? extends Channel> type, Promise<OcspResolver> done) {
        if (crlTodo.isEmpty() || (hardError != null && !hardError.isEmpty())) {
            settleIfDone();
            done.trySuccess(this);
            return;
        }
        int i = crlTodo.remove(0);
        config.crlFetcher().check(loop, type, certs.get(i), issuers.get(i), config.now()).addListener(
                (Future<OcspStatus> f) -> {
                    OcspStatus s = f.getNow();
                    statuses[i] = s;
                    config.cache().put(OcspCertId.of(certs.get(i), issuers.get(i)).key(), s.result() == OcspStatus.Result.SOFT_FAILURE
                            ? OcspStatus.softFailure(OcspStatus.Source.CRL, s.subject(), s.detail(),
                                    config.now().plus(SOFT_FAILURE_TTL)) : s);
                    if (s.isHardFailure() || (config.failHard() && !s.isGood())) {
                        hardError = "CRL: " + describe(s);
                        todo.clear();
                        crlTodo.clear();
                    } else if (!s.isGood()) {
                        softErrors.add("CRL: " + describe(s));
                    }
                    crls(loop, type, done);
                });
    }

    private static String describe(OcspStatus s) {
        return s.subject() + ": " + s.result() + (s.detail() == null ? "" : " (" + s.detail() + ")");
    }

    /** For tests: the serial numbers asked about in the open request to {@code url}. */
    List<BigInteger> openSerials(String url) {
        List<BigInteger> out = new ArrayList<>();
        Batch b = todo.get(url);
        if (b != null) {
            for (int i : b.targets) {
                out.add(certs.get(i).getSerialNumber());
            }
        }
        return out;
    }
}
