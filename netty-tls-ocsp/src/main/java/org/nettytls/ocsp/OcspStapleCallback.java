package org.nettytls.ocsp;

import io.netty.channel.Channel;
import java.security.cert.X509Certificate;
import java.util.List;
import org.nettytls.TlsException;

/**
 * {@code SSL_ocsp_staple_callback}: replaces the default checks of the server's staple. It is
 * called once per full handshake on the channel's event loop, by the {@link OcspStapleHandler},
 * while every application write is still held; it must not block.
 */
@FunctionalInterface
public interface OcspStapleCallback {
    /**
     * Judges the staple.
     *
     * @param channel the connection
     * @param staple the DER OCSP response the server stapled, or {@code null} when it sent none
     * @param chain the validated chain, the server's certificate first
     * @return the status to report in the connection info ({@link OcspStatus#byCallback}, or what
     *         {@link OcspClientConfig#verifyStaple} found)
     * @throws TlsException to refuse the server; the channel is closed and nothing held is sent
     */
    OcspStatus onStaple(Channel channel, byte[] staple, List<X509Certificate> chain) throws TlsException;
}
