package org.nettytls.acme;

import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.verify.HostnameScheme;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * acme4j's generic provider with the JDK HttpClient verifying the ACME server through
 * netty-tls's own trust manager ({@link TlsClientContext#trustManager()}): the chain against
 * the configured CAs, the name under the {@code http} scheme unless the options name another,
 * pins and CRLs as for any netty-tls client.
 */
final class AcmeTransport extends GenericAcmeProvider {
    private final SSLContext ssl;

    AcmeTransport(TlsClientOptions options) throws TlsException {
        TlsClientContext context = TlsClientContext.create(options, HostnameScheme.named("http"));
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {context.trustManager()}, null);
            this.ssl = c;
        } catch (GeneralSecurityException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot make the ACME client's TLS context: " + e.getMessage(), e);
        }
    }

    @Override
    protected HttpConnector createHttpConnector(NetworkSettings settings) {
        return new HttpConnector(settings) {
            @Override
            public HttpClient.Builder createClientBuilder() {
                return super.createClientBuilder().sslContext(ssl);
            }
        };
    }
}
