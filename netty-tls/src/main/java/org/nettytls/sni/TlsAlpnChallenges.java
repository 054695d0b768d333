package org.nettytls.sni;

import org.nettytls.TlsServerContext;

/**
 * Answers ACME's tls-alpn-01 validation (RFC 8737) inside {@link SniCertSelector}: a ClientHello
 * that offers exactly the ALPN protocol {@value #ACME_TLS_1} and names a server for which
 * {@link #challengeContext} has a context gets that context (the validation certificate, which
 * negotiates {@code acme-tls/1}) instead of the name's own; the connection then carries no
 * application data and closes after the handshake. Every other client, including one that
 * offers {@code acme-tls/1} among other protocols or for a name not being validated, never
 * sees a validation certificate. Set with {@link SniSelectorOptions.Builder#tlsAlpnChallenges}.
 * netty-tls-acme's {@code AcmeCertificates} is one.
 */
@FunctionalInterface
public interface TlsAlpnChallenges {
    /** The ALPN protocol of tls-alpn-01 validation (RFC 8737 section 6.2). */
    String ACME_TLS_1 = "acme-tls/1";

    /**
     * The context holding the validation certificate for {@code serverName} (ASCII, lower case,
     * no trailing dot), or {@code null} when no validation of that name is pending. Called on
     * the event loop: it must answer from memory, never block.
     *
     * @param serverName the name the ClientHello asked for, canonical
     * @return the validation certificate's context, or {@code null}
     */
    TlsServerContext challengeContext(String serverName);
}
