/**
 * TLS for Netty pipelines with IO::Socket::SSL's semantics: the options, the contexts they build,
 * and what a handshake reports.
 *
 * <ul>
 * <li>{@link org.nettytls.TlsClientOptions} and {@link org.nettytls.TlsServerOptions} (immutable,
 *     built by their {@code Builder}, with secure defaults) turn into a
 *     {@link org.nettytls.TlsClientContext} or {@link org.nettytls.TlsServerContext}, whose
 *     {@code install} puts TLS and every check the options ask for on a channel.</li>
 * <li>A handshake ends with a {@link org.nettytls.TlsHandshakeEvent}, one of the
 *     {@link org.nettytls.TlsCompletionEvent} family, once every check of the peer is done;
 *     {@link org.nettytls.TlsConnectionInfo#verifiedFuture} completes at the same moment, with what
 *     the handshake agreed on and who the peer is ({@link org.nettytls.TlsConnectionInfo}).</li>
 * <li>{@link org.nettytls.HostnameSchemeVerifier} checks the peer behind an {@code SslHandler}
 *     netty-tls did not build.</li>
 * <li>{@link org.nettytls.TlsDefaults} holds the process-wide defaults, policy and debug level,
 *     {@link org.nettytls.TlsCapabilities} what the running engine can do, and
 *     {@link org.nettytls.TlsObserver} is the hook for metrics.</li>
 * </ul>
 *
 * <p>Failures are {@link org.nettytls.error.TlsException}s with a stable code. Certificates and CAs
 * are in {@link org.nettytls.cert}, identity checks in {@link org.nettytls.verify}, selection by
 * server name in {@link org.nettytls.sni}, STARTTLS and STOPTLS in {@link org.nettytls.starttls}.
 */
package org.nettytls;
