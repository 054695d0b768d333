package org.nettytls;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.nettytls.session.TicketKeySource;

/**
 * A server's session settings, part of {@link TlsServerOptions}: {@code SSL_session_id_context},
 * the session cache's size and timeout, session tickets and their keys ({@code SSL_ticket_keycb}),
 * and {@code SSL_honor_cipher_order}. Immutable.
 */
final class ServerSessions {
    private final byte[] idContext;
    private final int cacheSize;
    private final Duration timeout;
    private final boolean tickets;
    private final TicketKeySource ticketKeys;
    private final boolean honorCipherOrder;

    ServerSessions(TlsServerOptions.Builder b) {
        this.idContext = b.sessionIdContext;
        this.cacheSize = b.sessionCacheSize;
        this.timeout = b.sessionTimeout;
        this.tickets = b.sessionTickets;
        this.ticketKeys = b.ticketKeys;
        this.honorCipherOrder = b.honorCipherOrder;
    }

    /** {@code SSL_session_id_context}, or empty for Netty's default. */
    public Optional<byte[]> idContext() {
        return Optional.ofNullable(idContext).map(byte[]::clone);
    }

    /** The session cache's size, or empty for BoringSSL's default (20480). */
    public OptionalInt cacheSize() {
        return cacheSize < 0 ? OptionalInt.empty() : OptionalInt.of(cacheSize);
    }

    /** How long sessions may be resumed, or empty for BoringSSL's default (2 hours). */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** Whether TLS 1.2 session tickets are issued (TLS 1.3 always issues them). */
    public boolean tickets() {
        return tickets;
    }

    /** {@code SSL_ticket_keycb}: where the ticket keys come from, or {@code null} for BoringSSL's own. */
    public TicketKeySource ticketKeys() {
        return ticketKeys;
    }

    /** {@code SSL_honor_cipher_order}: the server's order decides (default {@code true}). */
    public boolean honorCipherOrder() {
        return honorCipherOrder;
    }
}
