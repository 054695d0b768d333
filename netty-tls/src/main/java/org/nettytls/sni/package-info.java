/**
 * Certificates by server name: {@link org.nettytls.sni.SniCertSelector} reads the ClientHello and
 * installs the context an {@link org.nettytls.sni.SniLookup} chooses; {@link org.nettytls.sni.SniMapping}
 * is the reference's {@code SSL_cert_file => { host => ..., 'host%ecc' => ..., '' => default }},
 * {@link org.nettytls.sni.SniReloader} reloads it, {@link org.nettytls.sni.SniMinter} mints
 * certificates for intercepting proxies (IO::Socket::SSL::Intercept). Each connection ends with an
 * {@link org.nettytls.sni.SniSelectionEvent}.
 */
package org.nettytls.sni;
