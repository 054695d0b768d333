package org.nettytls;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.session.TicketKeySource;
import java.time.Duration;
import org.nettytls.error.TlsException;

/**
 * Options of a TLS server, immutable, with the reference's defaults: an own certificate is
 * required; client certificates are not asked for unless {@code verifyMode} says so
 * ({@link VerifyMode#PEER} asks, {@link VerifyMode#REQUIRE} insists); TLS 1.2 and 1.3 only;
 * forward-secret AEAD ciphers in the server's order of preference.
 *
 * <p><b>Please note, a deliberate deviation from IO::Socket::SSL:</b> a server that verifies
 * clients ({@code SSL_verify_mode} other than NONE) must name the CAs that issue its client
 * certificates ({@code SSL_ca_file}, {@code SSL_ca_path}, {@code SSL_ca}, or {@code default_ca}
 * via {@link Builder#defaultCa()} explicitly); {@code build()} fails with
 * {@code BAD_CONFIGURATION} otherwise. The reference falls back to the system's public roots,
 * so that any publicly trusted certificate (any web server's) authenticates as a client.
 */
public final class TlsServerOptions extends TlsOptions {
    private final List<X509Certificate> clientCaList;
    private final ServerSessions sessions;
    private final Function<X509Certificate, byte[]> ocspStaples;
    private final List<org.nettytls.cert.KeyMaterial> additionalCertificates;

    private TlsServerOptions(Builder b) throws TlsException {
        super(b, b.verifyMode == null ? VerifyMode.NONE : b.verifyMode,
                b.verifyMode == null || b.verifyMode == VerifyMode.NONE ? null : clientTrust(b),
                requireKeyMaterial(b));
        List<X509Certificate> cas = new ArrayList<>(b.clientCaCertificates);
        for (Path f : b.clientCaFiles) {
            cas.addAll(CertificateLoader.certificates(f));
        }
        this.clientCaList = List.copyOf(cas);
        this.sessions = new ServerSessions(b);
        this.ocspStaples = b.ocspStaples;
        this.additionalCertificates = additional(b, keyMaterial(), securityFloor());
        if (ocspStaples != null && !ocspStapling()) {
            throw TlsException.badConfiguration("ocspStaples", "needs ocspStapling(true), which was turned off after it");
        }
    }

    /** The CAs that issue client certificates: named by the user, never the public roots by default. */
    private static CaStore clientTrust(Builder b) throws TlsException {
        if (!b.hasTrustConfigured()) {
            throw TlsException.badConfiguration("verifyMode (SSL_verify_mode)", "on a server needs the CAs that issue client certificates: "
                    + "SSL_ca_file, SSL_ca_path, SSL_ca or defaultCa() explicitly (the system's public roots are not used "
                    + "by default: any publicly trusted certificate would authenticate as a client)");
        }
        return b.loadTrust(false, false);
    }

    private static org.nettytls.cert.KeyMaterial requireKeyMaterial(Builder b) throws TlsException {
        org.nettytls.cert.KeyMaterial km = b.loadKeyMaterial();
        if (km == null) {
            throw TlsException.badConfiguration("certificateFile (SSL_cert_file)", "a server needs a certificate and key");
        }
        return km;
    }

    /** Each additional certificate passes the security floor and has a key type of its own. */
    private static List<org.nettytls.cert.KeyMaterial> additional(Builder b, org.nettytls.cert.KeyMaterial own,
            org.nettytls.verify.SecurityFloor floor) throws TlsException {
        java.util.Set<String> keyTypes = new java.util.HashSet<>();
        keyTypes.add(own.key().getAlgorithm());
        for (org.nettytls.cert.KeyMaterial km : b.additionalCertificates) {
            String weak = org.nettytls.verify.internal.CertificateRules.ownChain(km.chain(), floor);
            if (weak != null) {
                throw TlsException.badConfiguration("certificateFile (SSL_cert_file)", "additional certificate: " + weak);
            }
            if (!keyTypes.add(km.key().getAlgorithm())) {
                throw TlsException.badConfiguration("certificateFile (SSL_cert_file)", "a second " + km.key().getAlgorithm()
                        + " certificate (" + km.leaf().getSubjectX500Principal().getName()
                        + ") for one server: each additional certificate needs a key type of its own");
            }
        }
        return List.copyOf(b.additionalCertificates);
    }

    /** {@return a builder holding the process-wide defaults ({@link TlsDefaults}), if any} */
    public static Builder builder() {
        Builder b = new Builder();
        TlsDefaults.applyTo(b);
        return b;
    }

    /**
     * {@return {@code SSL_client_ca_file} / {@code SSL_client_ca}: the CAs named in the server's certificate request,
     * so that a client can pick a certificate} Empty (the default, as in OpenSSL) names none.
     */
    public List<X509Certificate> clientCaList() {
        return clientCaList;
    }

    /** Session ids, the session cache, tickets and cipher order: {@code SSL_session_id_context}, {@code SSL_ticket_keycb}, .... */
    ServerSessions sessions() {
        return sessions;
    }

    /** {@return where each certificate's staple comes from ({@link Builder#ocspStaples}), or {@code null}} */
    public Function<X509Certificate, byte[]> ocspStaples() {
        return ocspStaples;
    }

    /**
     * {@return the certificates besides {@link #keyMaterial()}, one key type each ({@link Builder#addCertificate}),
     * in the order BoringSSL tries them}
     */
    public List<org.nettytls.cert.KeyMaterial> additionalCertificates() {
        return additionalCertificates;
    }

    /** {@return whether client certificates are asked for} */
    public boolean asksForClientCertificate() {
        return verifyMode() != VerifyMode.NONE;
    }

    /**
     * Builds {@link TlsServerOptions}: the shared settings of {@link TlsOptions.Builder} and the server's own
     * (certificates, client authentication, tickets).
     */
    public static final class Builder extends TlsOptions.Builder<Builder> {
        final List<Path> clientCaFiles = new ArrayList<>();
        final List<X509Certificate> clientCaCertificates = new ArrayList<>();

        private Builder() {
        }

        /**
         * {@code SSL_client_ca_file}: the CA names sent in the certificate request; repeatable.
         *
         * @param file a file of CA certificates
         * @return this builder
         */
        public Builder clientCaFile(Path file) {
            clientCaFiles.add(Objects.requireNonNull(file, "file"));
            return this;
        }

        /**
         * {@code SSL_client_ca}: the CA names sent in the certificate request, from certificates.
         *
         * @param certificates the CA certificates whose names are sent
         * @return this builder
         */
        public Builder clientCaCertificates(X509Certificate... certificates) {
            clientCaCertificates.addAll(Arrays.asList(certificates));
            return this;
        }

        byte[] sessionIdContext;
        int sessionCacheSize = -1;
        Duration sessionTimeout;
        boolean sessionTickets;
        TicketKeySource ticketKeys;
        boolean honorCipherOrder = true;
        Function<X509Certificate, byte[]> ocspStaples;
        final List<org.nettytls.cert.KeyMaterial> additionalCertificates = new ArrayList<>();

        /**
         * Another certificate for this server, of a key type the others have not got (the
         * reference's {@code SSL_cert_file => { 'host%ecc' => ... }}): RSA and ECDSA, say. BoringSSL
         * picks per handshake the first certificate the client can verify, from the signature
         * algorithms it offers (TLS 1.3) or its cipher suites (TLS 1.2); additional certificates are
         * tried first, the own certificate ({@link #certificate}) last. A second certificate of one
         * key type fails {@code build()}.
         *
         * @param material a certificate chain and key of another key type
         * @return this builder
         */
        public Builder addCertificate(org.nettytls.cert.KeyMaterial material) {
            additionalCertificates.add(Objects.requireNonNull(material, "material"));
            return this;
        }

        /**
         * Staples every certificate of the context with its own response: for each new
         * connection, {@code source} is asked for the current staple (DER, or {@code null} for
         * none) of the options' certificate and of each additional certificate
         * ({@link #addCertificate}, the reference's {@code 'host%ecc'}),
         * and BoringSSL sends the one of the certificate it chooses in the handshake. Set this
         * rather than staple each {@code SslHandler} yourself when a context holds more than one
         * certificate: a staple set on the handler reaches only the options' own certificate.
         * {@code source} runs on the event loop for every connection and must be quick and not
         * block (netty-tls-ocsp's {@code OcspStapler::currentStaple}). Implies
         * {@link #ocspStapling(boolean) ocspStapling(true)}.
         *
         * @param source gives the current DER staple of a certificate, or {@code null}
         * @return this builder
         */
        public Builder ocspStaples(Function<X509Certificate, byte[]> source) {
            this.ocspStaples = Objects.requireNonNull(source, "source");
            return ocspStapling(true);
        }

        /**
         * {@code SSL_session_id_context}: the name of this server's sessions (at most 32 bytes).
         * A session resumes only at a server with the same context, so servers that must not
         * resume each other's sessions (different client-certificate rules, say) need different
         * ones. Default: Netty's {@code netty}.
         *
         * @param id at most 32 bytes
         * @return this builder
         */
        public Builder sessionIdContext(byte[] id) {
            if (id.length == 0 || id.length > 32) {
                throw new IllegalArgumentException("a session id context has 1 to 32 bytes, not " + id.length);
            }
            this.sessionIdContext = id.clone();
            return this;
        }

        /**
         * {@code SSL_session_id_context} from a string's UTF-8 bytes.
         *
         * @param id a name whose UTF-8 form is at most 32 bytes
         * @return this builder
         */
        public Builder sessionIdContext(String id) {
            return sessionIdContext(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        /**
         * The server's session cache holds at most {@code sessions} (TLS 1.2 session ids); 0 is unlimited.
         *
         * @param sessions the number of sessions, 0 for no limit
         * @return this builder
         */
        public Builder sessionCacheSize(int sessions) {
            if (sessions < 0) {
                throw new IllegalArgumentException("session cache size must not be negative: " + sessions);
            }
            this.sessionCacheSize = sessions;
            return this;
        }

        /**
         * How long a session (cached or in a ticket) may be resumed; BoringSSL's default is 2 hours.
         *
         * @param timeout how long a session may be resumed
         * @return this builder
         */
        public Builder sessionTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("session timeout must be positive: " + timeout);
            }
            this.sessionTimeout = timeout;
            return this;
        }

        /**
         * Session tickets for TLS 1.2 too (TLS 1.3 always has them), with keys BoringSSL makes
         * and rotates itself. Off by default, as in Netty.
         *
         * @param on {@code true} for TLS 1.2 tickets
         * @return this builder
         */
        public Builder sessionTickets(boolean on) {
            this.sessionTickets = on;
            return this;
        }

        /**
         * {@code SSL_ticket_keycb}: ticket keys from {@code source} (current first, then keys that
         * only decrypt), for TLS 1.2 and 1.3. Servers with the same keys resume each other's
         * sessions. Implies {@link #sessionTickets(boolean) sessionTickets(true)}.
         *
         * @param source the keys, e.g. a {@code TicketKeyRing}
         * @return this builder
         */
        public Builder ticketKeys(TicketKeySource source) {
            this.ticketKeys = Objects.requireNonNull(source, "source");
            this.sessionTickets = true;
            return this;
        }

        /**
         * {@code SSL_honor_cipher_order}: choose the cipher by the server's order (default, as in
         * the reference) or, when {@code false}, by the client's.
         *
         * @param honor {@code true} for the server's order
         * @return this builder
         */
        public Builder honorCipherOrder(boolean honor) {
            this.honorCipherOrder = honor;
            return this;
        }

        /**
         * Loads and checks everything, after the process-wide policy ({@link TlsDefaults#setPolicy}) had its say.
         *
         * @return the options, immutable
         * @throws TlsException ({@code BAD_CONFIGURATION}) for options that cannot work together, or
         *     that {@link TlsDefaults.Policy} refused
         */
        public TlsServerOptions build() throws TlsException {
            return TlsDefaults.build(this, TlsServerOptions::new);
        }
    }
}
