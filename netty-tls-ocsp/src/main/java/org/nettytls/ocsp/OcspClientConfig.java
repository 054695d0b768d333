package org.nettytls.ocsp;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.verify.PeerCheck;

/**
 * How a client checks the revocation status of the server it talks to: the IO::Socket::SSL
 * options {@code SSL_ocsp_mode}, {@code SSL_ocsp_staple_callback}, {@code SSL_ocsp_cache} and
 * what its {@code ocsp_resolver} does, as one immutable object shared by all connections.
 *
 * <pre>{@code
 * OcspClientConfig ocsp = OcspClientConfig.builder().mode(OcspMode.MUST_STAPLE).build();
 * TlsClientContext tls = TlsClientContext.create(ocsp.applyTo(TlsClientOptions.builder().caFile(ca)).build());
 * // per connection, direct TLS or STARTTLS alike:
 * tls.install(ch.pipeline(), host, port);     // or StartTlsHandler.startClient / StartTlsClient
 * }</pre>
 *
 * <p>The staple is checked inside the handshake (a revoked server fails the handshake with an
 * alert). The {@link OcspStapleHandler} then runs what cannot happen inside the handshake (the
 * resolver's HTTP requests, CRL fetches, the staple callback) while holding every application
 * write and read, and reports the status in the connection info.
 *
 * <p><b>Please note:</b> only {@link OcspStatus.Result#GOOD} means "not revoked". With
 * {@link OcspMode#TRY_STAPLE} and no resolver, a server that sends no staple is accepted with a
 * soft failure, as in the reference; use {@link Builder#failHard(boolean)} to insist on an answer.
 */
public final class OcspClientConfig {
    /** The default clock skew allowed on thisUpdate and nextUpdate. */
    public static final Duration DEFAULT_SKEW = Duration.ofMinutes(5);
    /** The default maximum age of a response without nextUpdate. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(1);
    /** The default size limit of an OCSP response (staple or fetched). */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
    /** The default size limit of a fetched CRL. */
    public static final int DEFAULT_MAX_CRL_BYTES = 10 * 1024 * 1024;

    /** Whether CRLs from the certificates' CRL distribution points are used. */
    public enum CrlUse {
        /** Never. */
        OFF,
        /** When OCSP gives no answer (no URL, no response, no usable response). */
        FALLBACK,
        /** Instead of the resolver's OCSP requests (staples are still checked). */
        ONLY
    }

    private final OcspMode mode;
    private final boolean failHard;
    private final boolean fullChain;
    private final boolean resolve;
    private final OcspCache cache;
    private final OcspStapleCallback callback;
    private final Duration skew;
    private final Duration maxAge;
    private final int maxResponseBytes;
    private final int maxCrlBytes;
    private final List<X509Certificate> trustedResponders;
    private final boolean nonce;
    private final Duration timeout;
    private final URI responderUrl;
    private final CrlUse crls;
    private final Clock clock;
    private final OcspVerifier verifier;
    private final CrlFetcher crlCache;

    private OcspClientConfig(Builder b) {
        this.mode = b.mode;
        this.failHard = b.failHard;
        this.fullChain = b.fullChain;
        this.resolve = b.resolve;
        this.cache = b.cache != null ? b.cache : OcspCache.inMemory(100);
        this.callback = b.callback;
        this.skew = b.skew;
        this.maxAge = b.maxAge;
        this.maxResponseBytes = b.maxResponseBytes;
        this.maxCrlBytes = b.maxCrlBytes;
        this.trustedResponders = List.copyOf(b.trustedResponders);
        this.nonce = b.nonce;
        this.timeout = b.timeout;
        this.responderUrl = b.responderUrl;
        this.crls = b.crls;
        this.clock = b.clock;
        this.verifier = new OcspVerifier(skew, maxAge, maxResponseBytes, trustedResponders);
        this.crlCache = new CrlFetcher(maxCrlBytes, timeout);
    }

    /**
     * A builder with the reference's defaults: {@code SSL_ocsp_mode} try-staple, soft failure, leaf only, no
     * CRLs.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Prepares client options for this config: asks for staples (unless {@link OcspMode#NO_STAPLE}),
     * adds the in-handshake staple check, and adds the OCSP handler (what cannot run inside the
     * handshake: the resolver, CRL distribution points, the staple callback, a resumed session's
     * check) as an identity gate ({@link TlsClientOptions.Builder#addIdentityGate}), which
     * {@code TlsClientContext.install} puts on every connection, direct or STARTTLS. Returns the
     * same builder.
     *
     * @param options the client options to prepare
     * @return {@code options}
     */
    public TlsClientOptions.Builder applyTo(TlsClientOptions.Builder options) {
        return options.ocspStapling(mode != OcspMode.NO_STAPLE).addPeerCheck(peerCheck()).addIdentityGate(this::newHandler);
    }

    /** The check that runs inside the handshake. */
    PeerCheck peerCheck() {
        return new OcspStapleCheck(this);
    }

    /** A new {@link OcspStapleHandler} for one connection: the identity gate {@link #applyTo} adds. */
    OcspStapleHandler newHandler() {
        return new OcspStapleHandler(this);
    }

    /**
     * The default checks applied to {@code staple} for the first certificate of {@code chain}
     * (whose issuer follows it): for a {@link OcspStapleCallback} that wants them.
     *
     * @param staple the stapled response (DER)
     * @param chain the server's chain, its certificate then the issuer
     * @return what the default checks concluded
     */
    public OcspStatus verifyStaple(byte[] staple, List<X509Certificate> chain) {
        X509Certificate leaf = chain.get(0);
        X509Certificate issuer = chain.size() > 1 ? chain.get(1) : leaf;
        return verifier.verify(staple, leaf, issuer, null, clock.instant(), OcspStatus.Source.STAPLE);
    }

    /** {@return {@code SSL_ocsp_mode}} */
    public OcspMode mode() {
        return mode;
    }

    /** {@return {@code SSL_OCSP_FAIL_HARD}: soft failures become hard} */
    public boolean failHard() {
        return failHard;
    }

    /** {@return {@code SSL_OCSP_FULL_CHAIN}: the resolver checks every certificate of the chain below the root} */
    public boolean fullChain() {
        return fullChain;
    }

    /** {@return whether the handler resolves what staples do not answer, before letting data through} */
    public boolean resolve() {
        return resolve;
    }

    /** {@return {@code SSL_ocsp_cache}} */
    public OcspCache cache() {
        return cache;
    }

    /** {@return {@code SSL_ocsp_staple_callback}, or {@code null}} */
    public OcspStapleCallback stapleCallback() {
        return callback;
    }

    /**
     * The clock skew allowed on thisUpdate and nextUpdate.
     *
     * @return the skew
     */
    public Duration clockSkew() {
        return skew;
    }

    /**
     * The maximum age (from thisUpdate) of a response without nextUpdate.
     *
     * @return the maximum age
     */
    public Duration maxAge() {
        return maxAge;
    }

    /**
     * The largest OCSP response read from a responder; a bigger one is refused unread.
     *
     * @return the limit in bytes
     */
    public int maxResponseBytes() {
        return maxResponseBytes;
    }

    /**
     * The largest CRL read from a distribution point; a bigger one is refused unread.
     *
     * @return the limit in bytes
     */
    public int maxCrlBytes() {
        return maxCrlBytes;
    }

    /**
     * Responders trusted to answer for any certificate, whoever issued it (OpenSSL's {@code -VAfile}),
     * beside the issuer and its delegated responders (RFC 6960 section 4.2.2.2).
     *
     * @return the trusted responders, unmodifiable
     */
    public List<X509Certificate> trustedResponders() {
        return trustedResponders;
    }

    /**
     * Whether requests carry a nonce (RFC 8954) that the response must echo.
     *
     * @return {@code true} when nonces are sent
     */
    public boolean nonce() {
        return nonce;
    }

    /**
     * How long one OCSP or CRL fetch may take.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }

    /** {@return the responder asked instead of the certificates' own, or {@code null}} */
    public URI responderUrl() {
        return responderUrl;
    }

    /**
     * When CRLs from the certificates' distribution points are fetched.
     *
     * @return the CRL use
     */
    public CrlUse crlDistributionPoints() {
        return crls;
    }

    OcspVerifier verifier() {
        return verifier;
    }

    CrlFetcher crlFetcher() {
        return crlCache;
    }

    Instant now() {
        return clock.instant();
    }

    @Override
    public String toString() {
        return "OcspClientConfig(" + mode + (failHard ? ", fail hard" : "") + (fullChain ? ", full chain" : "")
                + (resolve ? ", resolve" : "") + (callback != null ? ", staple callback" : "") + ", skew "
                + skew.toSeconds() + " s, CRL " + crls + ")";
    }

    /** Builds an {@link OcspClientConfig}; the {@code SSL_ocsp_*} options have their Java homes here. */
    public static final class Builder {
        private OcspMode mode = OcspMode.TRY_STAPLE;
        private boolean failHard;
        private boolean fullChain;
        private boolean resolve;
        private OcspCache cache;
        private OcspStapleCallback callback;
        private Duration skew = DEFAULT_SKEW;
        private Duration maxAge = DEFAULT_MAX_AGE;
        private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
        private int maxCrlBytes = DEFAULT_MAX_CRL_BYTES;
        private final List<X509Certificate> trustedResponders = new ArrayList<>();
        private boolean nonce;
        private Duration timeout = Duration.ofSeconds(5);
        private URI responderUrl;
        private CrlUse crls = CrlUse.OFF;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }


        /**
         * {@code SSL_ocsp_mode}; {@link OcspMode#TRY_STAPLE} by default.
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder mode(OcspMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * {@code SSL_OCSP_FAIL_HARD}: a certificate that is checked must end with a good answer
         * (staple, cache, resolver or CRL); any soft failure fails the connection.
         *
         * @param on {@code true} for hard failure
         * @return this builder
         */
        public Builder failHard(boolean on) {
            this.failHard = on;
            return this;
        }

        /**
         * {@code SSL_OCSP_FULL_CHAIN}: resolve every certificate of the chain below the trust
         * anchor, not only the server's own. Turns {@link #resolve(boolean)} on.
         *
         * @param on {@code true} for the whole chain
         * @return this builder
         */
        public Builder fullChain(boolean on) {
            this.fullChain = on;
            if (on) {
                this.resolve = true;
            }
            return this;
        }

        /**
         * What the reference's {@code ocsp_resolver} with {@code resolve_blocking} does, but
         * asynchronously on the channel's event loop: certificates without a good staple or cache
         * entry are asked about over HTTP before the handler lets any data through.
         *
         * @param on {@code true} to ask the responders
         * @return this builder
         */
        public Builder resolve(boolean on) {
            this.resolve = on;
            return this;
        }

        /**
         * {@code SSL_ocsp_cache}: share one cache between configs, contexts and servers.
         *
         * @param cache the shared cache
         * @return this builder
         */
        public Builder cache(OcspCache cache) {
            this.cache = Objects.requireNonNull(cache, "cache");
            return this;
        }

        /**
         * {@code SSL_ocsp_staple_callback}: replaces the default checks of the staple.
         *
         * @param callback decides the staple
         * @return this builder
         */
        public Builder stapleCallback(OcspStapleCallback callback) {
            this.callback = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /**
         * The clock skew allowed on thisUpdate and nextUpdate; 5 minutes by default.
         *
         * @param skew the allowed skew, not negative
         * @return this builder
         */
        public Builder clockSkew(Duration skew) {
            this.skew = nonNegative(skew, "clockSkew");
            return this;
        }

        /**
         * The maximum age (from thisUpdate) of a response without nextUpdate; 1 day by default.
         *
         * @param maxAge the maximum age, not negative
         * @return this builder
         */
        public Builder maxAge(Duration maxAge) {
            this.maxAge = nonNegative(maxAge, "maxAge");
            return this;
        }

        /**
         * The largest OCSP response read from a responder.
         *
         * @param bytes a positive limit
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is not positive
         */
        public Builder maxResponseBytes(int bytes) {
            this.maxResponseBytes = positive(bytes, "maxResponseBytes");
            return this;
        }

        /**
         * The largest CRL read from a distribution point.
         *
         * @param bytes a positive limit
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is not positive
         */
        public Builder maxCrlBytes(int bytes) {
            this.maxCrlBytes = positive(bytes, "maxCrlBytes");
            return this;
        }

        /**
         * Responders trusted to answer for any certificate, whoever issued them (OpenSSL's
         * {@code -VAfile}); the response must still name one of them in its responder ID.
         *
         * @param responders the responders' certificates
         * @return this builder
         */
        public Builder trustedResponder(X509Certificate... responders) {
            trustedResponders.addAll(Arrays.asList(responders));
            return this;
        }

        /**
         * Send a nonce with the resolver's requests, and require the response to echo it.
         *
         * @param on {@code true} to send a nonce (RFC 8954)
         * @return this builder
         */
        public Builder nonce(boolean on) {
            this.nonce = on;
            return this;
        }

        /**
         * How long one HTTP request of the resolver may take; 5 seconds by default.
         *
         * @param timeout a positive timeout
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Ask this responder instead of the URL in each certificate's authorityInfoAccess.
         *
         * @param url an {@code http} URL
         * @return this builder
         */
        public Builder responderUrl(URI url) {
            this.responderUrl = Objects.requireNonNull(url, "url");
            return this;
        }

        /**
         * Use CRLs from the certificates' CRL distribution points: off by default.
         *
         * @param use when CRLs are used
         * @return this builder
         */
        public Builder crlDistributionPoints(CrlUse use) {
            this.crls = Objects.requireNonNull(use, "use");
            return this;
        }

        /**
         * The clock OCSP and CRL dates are checked against after the handshake (resolver, CRL
         * fetches, the stapler's refreshes); the system's UTC clock by default. The staple checked
         * inside the handshake uses the TLS options' {@code validationClock}: give both the same clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder validationClock(Clock clock) {
            this.clock = java.util.Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The configuration, immutable.
         *
         * @return the configuration
         * @throws TlsException ({@code BAD_CONFIGURATION}) for a responder URL that is not {@code
         *     http}
         */
        public OcspClientConfig build() throws TlsException {
            if (responderUrl != null && !"http".equalsIgnoreCase(responderUrl.getScheme())) {
                throw new TlsException(TlsErrorCode.BAD_CONFIGURATION,
                        "responderUrl: only http:// responders are supported, not " + responderUrl);
            }
            return new OcspClientConfig(this);
        }

        private static Duration nonNegative(Duration d, String name) {
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative: " + d);
            }
            return d;
        }

        private static int positive(int n, String name) {
            if (n <= 0) {
                throw new IllegalArgumentException(name + " must be positive: " + n);
            }
            return n;
        }
    }
}
