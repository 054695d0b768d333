package org.nettytls;

/**
 * What closing a TLS channel does to TLS, for {@link TlsOptions.Builder#closeMode}: the
 * reference's {@code SSL_fast_shutdown} ({@link #FAST}, the default) and {@code SSL_no_shutdown}
 * ({@link #NONE}), and waiting for the peer's close_notify ({@link #WAIT}).
 *
 * <p>Only these three make sense when the channel closes. Downgrading a live channel to plaintext
 * has more ways, FTP's {@code CCC} among them; they are {@code StopTlsHandler.Mode}'s.
 */
public enum CloseMode {
    /** Send close_notify and close at once, without waiting for the peer's: {@code SSL_fast_shutdown}. */
    FAST,
    /**
     * Send close_notify and keep the socket open until the peer's close_notify arrives or the
     * timeout given with the mode passes (Netty's close-notify read timeout).
     */
    WAIT,
    /**
     * Close without sending anything ({@code SSL_no_shutdown}): the {@code SslHandler} is taken out
     * of the pipeline before the close reaches it, so the peer sees the TCP connection end.
     */
    NONE
}
