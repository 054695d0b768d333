package org.nettytls.session;

import java.util.List;
import org.nettytls.annotation.Spi;

/**
 * Where a server's session ticket keys come from: {@code SSL_ticket_keycb} turned into a value.
 * The first key is the current one and encrypts new tickets; the others only decrypt tickets
 * issued under them (a client presenting one gets a fresh ticket under the current key); a key
 * no longer listed is retired and its tickets mean a full handshake.
 *
 * <p>Servers that share a source resume each other's sessions, which is how a fleet behind a
 * load balancer keeps resumption working: keep the keys in a shared store and have every
 * instance's source return them.
 *
 * <p><b>Please note:</b> {@link #ticketKeys()} is asked for every new connection, on the event
 * loop: return keys held in memory and fetch from an external store elsewhere, and return the
 * same list object while nothing changed, so the server need not compare keys.
 */
@Spi
@FunctionalInterface
public interface TicketKeySource {
    /** {@return the keys now, current first; never empty} */
    List<TicketKey> ticketKeys();

    /**
     * A source with fixed keys, the first current.
     *
     * @param current the key that encrypts
     * @param decryptOnly older keys that only decrypt
     * @return the source
     */
    static TicketKeySource of(TicketKey current, TicketKey... decryptOnly) {
        List<TicketKey> keys = new java.util.ArrayList<>();
        keys.add(current);
        keys.addAll(List.of(decryptOnly));
        List<TicketKey> fixed = List.copyOf(keys);
        return () -> fixed;
    }
}
