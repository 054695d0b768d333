/**
 * Not API: {@code SSL_version} and {@code SSL_cipher_list} strings, parsed and expanded as
 * BoringSSL reads them. The options take them; {@link org.nettytls.TlsVersion} is the typed form.
 */
package org.nettytls.protocol.internal;
