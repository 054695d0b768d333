package org.nettytls;

import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import org.nettytls.internal.TcnContext;
import org.nettytls.session.ServerTicketKeys;

/** Turns {@link ServerSessions} into settings of a Netty server context. */
final class ServerSessionSetup {
    private ServerSessionSetup() {
    }

    static void apply(SslContextBuilder b, ServerSessions s) {
        if (s.cacheSize().isPresent()) {
            b.sessionCacheSize(s.cacheSize().getAsInt());
        }
        s.timeout().ifPresent(t -> b.sessionTimeout(Math.max(1, t.getSeconds())));
    }

    /** Settings only the built context takes; returns the bound ticket keys, or {@code null}. */
    static ServerTicketKeys finish(SslContext context, ServerSessions s) throws TlsException {
        OpenSslServerSessionContext sessions = (OpenSslServerSessionContext) context.sessionContext();
        s.idContext().ifPresent(id -> {
            if (!sessions.setSessionIdContext(id)) {
                throw new IllegalStateException("BoringSSL refused the session id context");
            }
        });
        if (!s.honorCipherOrder()) {
            // Netty always sets SSL_OP_CIPHER_SERVER_PREFERENCE and offers no option to clear it;
            // tcnative can, on the context, before any connection exists.
            SSLContext.clearOptions(TcnContext.handle(context, "SSL_honor_cipher_order"), SSL.SSL_OP_CIPHER_SERVER_PREFERENCE);
        }
        if (s.ticketKeys() != null) {
            return ServerTicketKeys.bind(context, s.ticketKeys());
        }
        if (s.tickets()) {
            // No keys: BoringSSL makes and rotates its own; this clears Netty's SSL_OP_NO_TICKET.
            sessions.setTicketKeys();
        }
        return null;
    }
}
