/**
 * IO::Socket::SSL's option map, for code and configuration that come from Perl:
 * {@link org.nettytls.compat.IoSocketSsl} turns {@code SSL_*} keys into netty-tls options. New code
 * uses the options' builders, whose Javadoc names the {@code SSL_*} option each method stands for.
 */
package org.nettytls.compat;
