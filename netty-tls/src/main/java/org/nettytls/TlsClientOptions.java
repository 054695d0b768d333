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

    private TlsClientOptions(Builder b) throws TlsException {
        super(b, b.verifyMode == null ? VerifyMode.PEER : b.verifyMode,
                b.verifyMode == VerifyMode.NONE && !b.hasTrustConfigured() ? null : b.loadTrust(true, true),
                b.loadKeyMaterial());
        this.serverName = b.serverName;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@code SSL_hostname}: the SNI name to send. {@code null} (the default) sends the host the
     * client connects to, unless it is an IP address; the empty string sends none.
     */
    public String serverName() {
        return serverName;
    }

    /** Whether the server is verified. */
    public boolean verifiesPeer() {
        return verifyMode() != VerifyMode.NONE;
    }

    public static final class Builder extends TlsOptions.Builder<Builder> {
        String serverName;

        private Builder() {
        }

        /** {@code SSL_hostname}: see {@link TlsClientOptions#serverName()}. */
        public Builder serverName(String name) {
            this.serverName = Objects.requireNonNull(name, "name");
            return this;
        }

        public TlsClientOptions build() throws TlsException {
            return new TlsClientOptions(this);
        }
    }
}
