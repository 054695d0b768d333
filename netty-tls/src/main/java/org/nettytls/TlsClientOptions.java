package org.nettytls;

import java.util.Objects;

/**
 * Options of a TLS client, immutable, with the reference's secure defaults: the server's chain
 * is verified ({@code SSL_verify_mode} PEER) against the CAs given or, when none are, the
 * system's ({@code default_ca}); TLS 1.2 and 1.3 only; forward-secret AEAD ciphers.
 *
 * <pre>{@code
 * TlsClientOptions options = TlsClientOptions.builder().caFile(Path.of("ca.pem")).build();
 * TlsClientContext tls = TlsClientContext.create(options);
 * ch.pipeline().addLast(tls.newHandler(ch.alloc(), "example.org", 443));
 * }</pre>
 */
public final class TlsClientOptions extends TlsOptions {
    private final String serverName;
    private final org.nettytls.session.ClientSessionCache sessionCache;

    private TlsClientOptions(Builder b) throws TlsException {
        super(b, b.verifyMode == null ? VerifyMode.PEER : b.verifyMode,
                b.verifyMode == VerifyMode.NONE && !b.hasTrustConfigured() ? null : b.loadTrust(true, true),
                b.loadKeyMaterial());
        this.serverName = b.serverName;
        this.sessionCache = b.sessionCache;
    }

    /** A builder holding the process-wide defaults ({@link TlsDefaults}), if any. */
    public static Builder builder() {
        Builder b = new Builder();
        TlsDefaults.applyTo(b);
        return b;
    }

    /**
     * {@code SSL_hostname}: the SNI name to send. {@code null} (the default) sends the host the
     * client connects to, unless it is an IP address; the empty string sends none.
     */
    public String serverName() {
        return serverName;
    }

    /**
     * {@code SSL_session_cache}: the cache this client's sessions go to and are resumed from,
     * possibly shared with other contexts; {@code null} gives each context its own of
     * {@link org.nettytls.session.ClientSessionCache#DEFAULT_MAX_KEYS} keys.
     */
    public org.nettytls.session.ClientSessionCache sessionCache() {
        return sessionCache;
    }

    /** Whether the server is verified. */
    public boolean verifiesPeer() {
        return verifyMode() != VerifyMode.NONE;
    }

    public static final class Builder extends TlsOptions.Builder<Builder> {
        String serverName;
        org.nettytls.session.ClientSessionCache sessionCache;

        private Builder() {
        }

        /** {@code SSL_hostname}: see {@link TlsClientOptions#serverName()}. */
        public Builder serverName(String name) {
            this.serverName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * {@code SSL_session_cache_size}: this context keeps sessions for at most {@code keys}
         * keys (host:port pairs or {@code SSL_session_key}s); 0 turns resumption off.
         */
        public Builder sessionCacheSize(int keys) {
            this.sessionCache = org.nettytls.session.ClientSessionCache.create(keys);
            return this;
        }

        /** {@code SSL_session_cache}: a cache shared with other contexts; overrules {@link #sessionCacheSize}. */
        public Builder sessionCache(org.nettytls.session.ClientSessionCache cache) {
            this.sessionCache = Objects.requireNonNull(cache, "cache");
            return this;
        }

        /** Loads and checks everything, after the process-wide policy ({@link TlsDefaults#setPolicy}) had its say. */
        public TlsClientOptions build() throws TlsException {
            return TlsDefaults.build(this, TlsClientOptions::new);
        }
    }
}
