package org.nettytls;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.CertificateLoader;

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

    private TlsServerOptions(Builder b) throws TlsException {
        super(b, b.verifyMode == null ? VerifyMode.NONE : b.verifyMode,
                b.verifyMode == null || b.verifyMode == VerifyMode.NONE ? null : clientTrust(b),
                requireKeyMaterial(b));
        List<X509Certificate> cas = new ArrayList<>(b.clientCaCertificates);
        for (Path f : b.clientCaFiles) {
            cas.addAll(CertificateLoader.certificates(f));
        }
        this.clientCaList = List.copyOf(cas);
    }

    /** The CAs that issue client certificates: named by the user, never the public roots by default. */
    private static CaStore clientTrust(Builder b) throws TlsException {
        if (!b.hasTrustConfigured()) {
            throw TlsException.badConfiguration("SSL_verify_mode", "on a server needs the CAs that issue client certificates: "
                    + "SSL_ca_file, SSL_ca_path, SSL_ca or defaultCa() explicitly (the system's public roots are not used "
                    + "by default: any publicly trusted certificate would authenticate as a client)");
        }
        return b.loadTrust(false, false);
    }

    private static org.nettytls.cert.KeyMaterial requireKeyMaterial(Builder b) throws TlsException {
        org.nettytls.cert.KeyMaterial km = b.loadKeyMaterial();
        if (km == null) {
            throw TlsException.badConfiguration("SSL_cert_file", "a server needs a certificate and key");
        }
        return km;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@code SSL_client_ca_file} / {@code SSL_client_ca}: the CAs named in the server's
     * certificate request, so that a client can pick a certificate. Empty (the default, as in
     * OpenSSL) names none.
     */
    public List<X509Certificate> clientCaList() {
        return clientCaList;
    }

    /** Whether client certificates are asked for. */
    public boolean asksForClientCertificate() {
        return verifyMode() != VerifyMode.NONE;
    }

    public static final class Builder extends TlsOptions.Builder<Builder> {
        final List<Path> clientCaFiles = new ArrayList<>();
        final List<X509Certificate> clientCaCertificates = new ArrayList<>();

        private Builder() {
        }

        /** {@code SSL_client_ca_file}: the CA names sent in the certificate request; repeatable. */
        public Builder clientCaFile(Path file) {
            clientCaFiles.add(Objects.requireNonNull(file, "file"));
            return this;
        }

        /** {@code SSL_client_ca}: the CA names sent in the certificate request, from certificates. */
        public Builder clientCaCertificates(X509Certificate... certificates) {
            clientCaCertificates.addAll(Arrays.asList(certificates));
            return this;
        }

        public TlsServerOptions build() throws TlsException {
            return new TlsServerOptions(this);
        }
    }
}
