package org.nettytls.ocsp;

import io.netty.channel.Channel;
import java.security.cert.X509Certificate;
import java.util.List;
import org.nettytls.error.TlsException;
import org.nettytls.annotation.Spi;

/**
 * {@code SSL_ocsp_staple_callback}: replaces the default checks of the server's staple. It is
 * called once per full handshake in which a staple was asked for (not under
 * {@link OcspMode#NO_STAPLE}; a resumed session is checked from the cache or the resolver as
 * without a callback), on the channel's event loop, by the {@link OcspStapleHandler}, while every
 * application write is still held; it must not block.
 *
 * <p>As in the reference it gets the connection and the staple, or {@code null} when the server
 * sent none. Unlike the reference, whose callback's return value is ignored, what it returns is
 * the verdict on the server's certificate:
 * <ul>
 * <li>{@link OcspStatus.Result#GOOD}: the server passes (reported in the connection info);
 * <li>{@link OcspStatus.Result#REVOKED} or {@link OcspStatus.Result#UNKNOWN}: the server is refused
 *     ({@code revoked}, {@code ocsp-response-invalid});
 * <li>anything else ({@code null} counts as {@link OcspStatus.Result#NOT_CHECKED}): a soft result,
 *     resolved when {@link OcspClientConfig#resolve()}, refused under {@link OcspClientConfig#failHard()}.
 * </ul>
 * Where a staple is required ({@link OcspMode#MUST_STAPLE}, or a certificate with the TLS feature
 * extension), the callback cannot waive it: no staple fails {@code staple-missing} whatever it
 * returns, and a staple it does not find good fails {@code ocsp-response-invalid}.
 */
@Spi
@FunctionalInterface
public interface OcspStapleCallback {
    /**
     * Judges the staple.
     *
     * @param channel the connection
     * @param staple the DER OCSP response the server stapled, or {@code null} when it sent none
     * @param chain the validated chain, the server's certificate first
     * @return the verdict, reported in the connection info ({@link OcspStatus#byCallback}, or what
     *         {@link OcspClientConfig#verifyStaple} found)
     * @throws TlsException to refuse the server with this exception; the channel is closed and nothing
     *         held is sent (any other exception refuses it with {@code ocsp-response-invalid})
     */
    OcspStatus onStaple(Channel channel, byte[] staple, List<X509Certificate> chain) throws TlsException;
}
