package org.nettytls.trap;

import io.netty.channel.Channel;
import org.nettytls.error.TlsException;
import org.nettytls.annotation.Spi;

/**
 * {@code SSL_error_trap}: gets the channel of a failed handshake instead of it being closed. The
 * {@code SslHandler} is gone from the pipeline by then; the trap may add handlers and talk
 * plaintext (e.g. answer an HTTP request sent to a TLS port, see {@link PlainHttpAnswer}), or
 * close the channel. It runs on the channel's event loop and must not block.
 *
 * <p>For a peer that sent plaintext ({@code plaintext-on-tls-port}) the bytes received so far
 * enter the pipeline again at its head right after the trap returns: add the handlers that
 * should read them with {@code addFirst}, ahead of the application's TLS-side handlers.
 */
@Spi
@FunctionalInterface
public interface ErrorTrap {
    /**
     * Called once on the channel's event loop when the handshake on {@code channel} failed; the channel is
     * still open, so the trap may write a plaintext answer or close it.
     *
     * @param channel the channel whose TLS handshake failed; its {@code SslHandler} is already removed
     * @param error what failed, with its {@link org.nettytls.error.TlsErrorCode}
     */
    void trapped(Channel channel, TlsException error);
}
