package org.nettytls;

import io.netty.channel.Channel;
import org.nettytls.starttls.StartTlsCompletionEvent;
import org.nettytls.starttls.StopTlsCompletionEvent;

/**
 * Watches what netty-tls does on channels, for metrics and structured logs: the one hook the
 * core offers to modules such as {@code netty-tls-metrics}, which keeps any metrics library out of
 * the core. Give it to the options ({@code TlsServerOptions.Builder.observer},
 * {@code TlsClientOptions.Builder.observer}); every context built from them, the
 * {@code SniCertSelector} that picks such a context, and the STARTTLS helpers that install one
 * report to it. Options without an observer add nothing to a connection.
 *
 * <p>Every method has an empty default, so an observer implements only what it needs. The
 * methods are called on the channel's event loop: <b>they must not block</b>, and should be
 * cheap (count, record, queue). An exception thrown by one is caught and dropped, so an observer
 * cannot break a connection.
 *
 * <p><b>Experimental.</b> The events passed here are shaped like Netty's {@code SslCompletionEvent}
 * ({@code isSuccess()}, {@code cause()} and a stable {@link TlsErrorCode}); a later version is
 * planned to unify netty-tls' event classes into one such family, and this interface may then
 * change with them (its callbacks would take the unified events).
 */
public interface TlsObserver {
    /** An observer that does nothing; options without an observer behave as with this one, at no cost. */
    TlsObserver NONE = new TlsObserver() {
    };

    /**
     * A TLS handshake ended, in either role: successfully only after every check the options ask
     * for (for a client, the identity gates after the handshake too), or with the failure's code.
     * Called once per handshake, also for the handshake of a STARTTLS upgrade.
     */
    default void handshakeCompleted(Channel channel, TlsHandshakeEvent event) {
    }

    /**
     * {@code SniCertSelector} chose {@code context} (or, when {@code context} is {@code null},
     * found none and refuses the connection) for the name the client asked for:
     * {@code serverName} in canonical form, or {@code null} when the client sent none. Not called
     * for what the selector hands to BoringSSL unread (plaintext, an SSLv2-format or malformed
     * hello): that is no choice by name, and its handshake is reported as any other.
     * <b>Please note:</b> the name comes from the client and can be anything; map the chosen
     * context to what you configured before using the name as a metric's tag.
     */
    default void sniSelected(Channel channel, String serverName, TlsServerContext context) {
    }

    /**
     * A STARTTLS upgrade ended: successfully (TLS on, every check passed), refused (the code is
     * {@link TlsErrorCode#STARTTLS_REFUSED}: a client's server did not offer or refused it, or a
     * server refused a client's upgrade command), or failed. {@code protocol} is the
     * {@code StartTlsProtocol}'s id ({@code smtp}, {@code imap}, ...), or {@code "custom"} when the
     * application drives {@code StartTlsHandler} itself.
     */
    default void startTlsCompleted(Channel channel, String protocol, boolean client, StartTlsCompletionEvent event) {
    }

    /** A STOPTLS downgrade of a channel upgraded through {@code StartTlsHandler} ended; {@code protocol} as above. */
    default void stopTlsCompleted(Channel channel, String protocol, StopTlsCompletionEvent event) {
    }
}
