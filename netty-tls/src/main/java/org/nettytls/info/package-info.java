/**
 * What a finished handshake agreed on and who the peer is ({@link org.nettytls.info.TlsConnectionInfo}:
 * IO::Socket::SSL's {@code get_cipher}, {@code get_sslversion}, {@code peer_certificate},
 * {@code get_servername}, ...), and the future that completes when the peer is verified.
 */
package org.nettytls.info;
