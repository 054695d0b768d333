package org.nettytls;

import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import java.util.Objects;
import org.nettytls.session.TicketKeySource;
import org.nettytls.session.TicketKey;

/**
 * A {@link TicketKeySource} bound to one Netty OpenSSL server context: {@link #refresh()} hands
 * the source's keys to BoringSSL when they changed (the first encrypts, all decrypt; a ticket
 * under an older key is answered with a new one under the current key), and turns session
 * tickets on for TLS 1.2, where Netty leaves them off.
 */
final class ServerTicketKeys {
    private final OpenSslServerSessionContext sessions;
    private final TicketKeySource source;
    private List<TicketKey> applied;

    private ServerTicketKeys(OpenSslServerSessionContext sessions, TicketKeySource source) {
        this.sessions = sessions;
        this.source = source;
    }

    /** Binds {@code source} to {@code context} and applies its keys now. */
    public static ServerTicketKeys bind(SslContext context, TicketKeySource source) {
        Objects.requireNonNull(source, "source");
        if (!(context.sessionContext() instanceof OpenSslServerSessionContext)) {
            throw new IllegalArgumentException("ticket keys need a Netty OpenSSL server context, not "
                    + context.getClass().getName());
        }
        ServerTicketKeys keys = new ServerTicketKeys((OpenSslServerSessionContext) context.sessionContext(), source);
        keys.refresh();
        return keys;
    }

    public TicketKeySource source() {
        return source;
    }

    /** Applies the source's keys if they are not the ones applied last; cheap when nothing changed. */
    public void refresh() {
        List<TicketKey> now = source.ticketKeys();
        synchronized (this) {
            if (now == applied) {
                return;
            }
            if (now == null || now.isEmpty()) {
                throw new IllegalStateException("the ticket key source returned no key");
            }
            if (now.equals(applied)) {
                applied = now;
                return;
            }
            OpenSslSessionTicketKey[] netty = new OpenSslSessionTicketKey[now.size()];
            for (int i = 0; i < netty.length; i++) {
                netty[i] = toNetty(now.get(i));
            }
            sessions.setTicketKeys(netty);
            applied = now;
        }
    }

    /** BoringSSL's halves of the secret: the first 16 bytes for the HMAC, the rest for AES-128. */
    private static OpenSslSessionTicketKey toNetty(TicketKey key) {
        byte[] secret = key.secret();
        return new OpenSslSessionTicketKey(key.name(), java.util.Arrays.copyOfRange(secret, 0, 16),
                java.util.Arrays.copyOfRange(secret, 16, 32));
    }
}
