/**
 * The one exception family of netty-tls, {@link org.nettytls.error.TlsException}, and its stable
 * codes, {@link org.nettytls.error.TlsErrorCode}. Every failure a user can see carries a code and a
 * message naming what was expected and what was found; {@code TlsException.classify} derives one
 * from any handshake failure Netty reports. Below every other package, as every package throws it.
 */
package org.nettytls.error;
