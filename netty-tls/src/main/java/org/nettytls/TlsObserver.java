package org.nettytls;

import io.netty.channel.Channel;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.annotation.Spi;
import org.nettytls.annotation.Experimental;

/**
 * Watches what netty-tls does on channels, for metrics and structured logs: the one hook the
 * core offers to modules such as {@code netty-tls-metrics}, which keeps any metrics library out of
 * the core. Give it to the options ({@code TlsServerOptions.Builder.observer},
 * {@code TlsClientOptions.Builder.observer}); every context built from them, the
 * {@code SniCertSelector} that picks such a context, and the STARTTLS helpers that install one
 * report to it. It is told what the pipeline is told anyway, so an observer adds no handler to a
 * connection.
 *
 * <p>Every method has an empty default, so an observer implements only what it needs. The
 * methods are called on the channel's event loop: <b>they must not block</b>, and should be
 * cheap (count, record, queue). An exception thrown by one is caught and dropped, so an observer
 * cannot break a connection.
 *
 * <p>It sees the events of the family ({@link TlsCompletionEvent}) that a pipeline sees, on the
 * same channel: {@link #handshakeCompleted} for each {@link TlsHandshakeEvent},
 * {@link #startTlsCompleted} for STARTTLS and STOPTLS, and {@link #eventFired} for the others that
 * pass the install path's stack (netty-tls-ocsp's {@code OcspVerdictEvent}, say).
 *
 * <p><b>Experimental:</b> the callbacks may still change in a minor release as more modules report
 * through it.
 */
@Spi
@Experimental
public interface TlsObserver {
    /** An observer that does nothing; options without an observer behave as with this one. */
    TlsObserver NONE = new TlsObserver() {
    };

    /**
     * A TLS handshake ended, in either role: successfully only after every check the options ask
     * for (for a client, the identity gates after the handshake too), or with the failure's code.
     * Called once per handshake, also for the handshake of a STARTTLS upgrade.
     *
     * @param channel the connection
     * @param event the outcome
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
     *
     * @param channel the connection
     * @param serverName the canonical name asked for, or {@code null}
     * @param context the context chosen, or {@code null}
     */
    default void sniSelected(Channel channel, String serverName, TlsServerContext context) {
    }

    /**
     * A STARTTLS upgrade or a STOPTLS downgrade ended: {@code event} is a {@code StartTlsEvent}
     * ({@code isUpgrade()} tells which). An upgrade ends successfully (TLS on, every check passed),
     * refused (the code is {@link TlsErrorCode#STARTTLS_REFUSED}: a client's server did not offer
     * or refused it, or a server refused a client's upgrade command), or failed; a downgrade ends
     * with plaintext or fails. {@code protocol} is the {@code StartTlsProtocol}'s id ({@code smtp},
     * {@code imap}, ...), or {@code "custom"} when the application drives {@code StartTlsHandler}
     * itself.
     *
     * @param channel the connection
     * @param protocol the protocol's id, e.g. {@code smtp}
     * @param client {@code true} for the client's side
     * @param event the outcome
     */
    default void startTlsCompleted(Channel channel, String protocol, boolean client, TlsCompletionEvent event) {
    }

    /**
     * Any other event of the family that passes the stack netty-tls installs behind the
     * {@code SslHandler} (after the checks that run after the handshake, before the application's
     * handlers): netty-tls-ocsp's {@code OcspVerdictEvent}, for one.
     *
     * @param channel the connection
     * @param event the event
     */
    default void eventFired(Channel channel, TlsCompletionEvent event) {
    }
}
