package org.nettytls;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.nettytls.verify.IdentityGate;
import org.nettytls.error.TlsException;

/**
 * Options of a TLS client, immutable, with the reference's secure defaults: the server's chain
 * is verified ({@code SSL_verify_mode} PEER) against the CAs given or, when none are, the
 * system's ({@code default_ca}); TLS 1.2 and 1.3 only; forward-secret AEAD ciphers.
 *
 * <pre>{@code
 * TlsClientOptions options = TlsClientOptions.builder().caFile(Path.of("ca.pem")).build();
 * TlsClientContext tls = TlsClientContext.create(options);
 * tls.install(ch.pipeline(), "example.org", 443);
 * }</pre>
 */
public final class TlsClientOptions extends TlsOptions {
    private final String serverName;
    private final org.nettytls.ClientSessionCache sessionCache;
    private final List<Supplier<? extends IdentityGate>> identityGates;

    private TlsClientOptions(Builder b) throws TlsException {
        super(b, b.verifyMode == null ? VerifyMode.PEER : b.verifyMode,
                b.verifyMode == VerifyMode.NONE && !b.hasTrustConfigured() ? null : b.loadTrust(true, true),
                b.loadKeyMaterial());
        this.serverName = b.serverName;
        this.sessionCache = b.sessionCache;
        this.identityGates = List.copyOf(b.identityGates);
    }

    /** {@return a builder holding the process-wide defaults ({@link TlsDefaults}), if any} */
    public static Builder builder() {
        Builder b = new Builder();
        TlsDefaults.applyTo(b);
        return b;
    }

    /**
     * {@return {@code SSL_hostname}: the SNI name to send} {@code null} (the default) sends the host the client
     * connects to, unless it is an IP address; the empty string sends none.
     */
    public String serverName() {
        return serverName;
    }

    /**
     * {@return {@code SSL_session_cache}: the cache this client's sessions go to and are resumed from, possibly
     * shared with other contexts; {@code null} gives each context its own of {@link
     * org.nettytls.ClientSessionCache#DEFAULT_MAX_KEYS} keys}
     */
    public org.nettytls.ClientSessionCache sessionCache() {
        return sessionCache;
    }

    /**
     * {@return the checks that run after the handshake, each as a new {@link IdentityGate} per connection: {@link
     * TlsClientContext#install} puts them behind the {@code SslHandler}, for direct TLS and for every STARTTLS
     * upgrade alike}
     */
    public List<Supplier<? extends IdentityGate>> identityGates() {
        return identityGates;
    }

    /** {@return whether the server is verified} */
    public boolean verifiesPeer() {
        return verifyMode() != VerifyMode.NONE;
    }

    /**
     * Builds {@link TlsClientOptions}: the shared settings of {@link TlsOptions.Builder} and the client's own
     * (verification scheme and name, SNI, session cache, OCSP).
     */
    public static final class Builder extends TlsOptions.Builder<Builder> {
        String serverName;
        org.nettytls.ClientSessionCache sessionCache;
        final List<Supplier<? extends IdentityGate>> identityGates = new ArrayList<>();

        private Builder() {
        }

        /**
         * {@code SSL_hostname}: see {@link TlsClientOptions#serverName()}.
         *
         * @param name the SNI name, or {@code ""} to send none
         * @return this builder
         */
        public Builder serverName(String name) {
            this.serverName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * {@code SSL_session_cache_size}: this context keeps sessions for at most {@code keys}
         * keys (host:port pairs or {@code SSL_session_key}s); 0 turns resumption off.
         *
         * @param keys the number of session keys kept, 0 for none
         * @return this builder
         */
        public Builder sessionCacheSize(int keys) {
            this.sessionCache = org.nettytls.ClientSessionCache.create(keys);
            return this;
        }

        /**
         * {@code SSL_session_cache}: a cache shared with other contexts; overrules {@link #sessionCacheSize}.
         *
         * @param cache the shared cache
         * @return this builder
         */
        public Builder sessionCache(org.nettytls.ClientSessionCache cache) {
            this.sessionCache = Objects.requireNonNull(cache, "cache");
            return this;
        }

        /**
         * Adds a check that runs after the handshake because it may take time (an OCSP request, a
         * CRL fetch): {@code gate} makes one {@link IdentityGate} per connection, which holds every
         * application read and write until its verdict. The only way onto a channel is
         * {@link TlsClientContext#install} (which STARTTLS uses as well), so the check runs on
         * every path; {@link TlsClientContext#newHandler} refuses options that carry one.
         * netty-tls-ocsp's {@code OcspClientConfig.applyTo} adds its handler here.
         *
         * @param gate makes one gate per connection
         * @return this builder
         */
        public Builder addIdentityGate(Supplier<? extends IdentityGate> gate) {
            identityGates.add(Objects.requireNonNull(gate, "gate"));
            return this;
        }

        /**
         * Loads and checks everything, after the process-wide policy ({@link TlsDefaults#setPolicy}) had its say.
         *
         * @return the options, immutable
         * @throws TlsException ({@code BAD_CONFIGURATION}) for options that cannot work together, or
         *     that {@link TlsDefaults.Policy} refused
         */
        public TlsClientOptions build() throws TlsException {
            return TlsDefaults.build(this, TlsClientOptions::new);
        }
    }
}
