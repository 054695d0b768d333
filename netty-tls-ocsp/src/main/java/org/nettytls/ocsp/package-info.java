/**
 * OCSP and revocation (module netty-tls-ocsp): {@link org.nettytls.ocsp.OcspClientConfig} checks
 * the server a client talks to ({@code SSL_ocsp_mode}, {@code SSL_ocsp_staple_callback},
 * {@code SSL_ocsp_cache} and {@code ocsp_resolver}: staples inside the handshake, the resolver and
 * CRL distribution points after it), and {@link org.nettytls.ocsp.OcspStapler} fetches, refreshes
 * and staples a server's own responses. A fleet shares answers through an
 * {@link org.nettytls.ocsp.OcspCache} and staples through an {@link org.nettytls.ocsp.OcspStapleStore}.
 */
package org.nettytls.ocsp;
