package org.nettytls.session;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TicketKeySource} that rotates in memory: {@link #rotate()} makes a fresh key current,
 * keeps the previous ones for decryption, and retires the oldest beyond {@code decryptOnly}. Call
 * {@code rotate()} on a schedule (hours, say) so that a stolen key exposes little. Thread-safe.
 */
public final class TicketKeyRing implements TicketKeySource {
    private final int decryptOnly;
    private volatile List<TicketKey> keys;

    private TicketKeyRing(int decryptOnly, List<TicketKey> keys) {
        this.decryptOnly = decryptOnly;
        this.keys = keys;
    }

    /**
     * A ring with one fresh current key that keeps {@code decryptOnly} previous keys for decryption.
     *
     * @param decryptOnly how many previous keys still decrypt
     * @return the ring
     */
    public static TicketKeyRing create(int decryptOnly) {
        if (decryptOnly < 0) {
            throw new IllegalArgumentException("decryptOnly must not be negative: " + decryptOnly);
        }
        return new TicketKeyRing(decryptOnly, List.of(TicketKey.random()));
    }

    @Override
    public List<TicketKey> ticketKeys() {
        return keys;
    }

    /**
     * Makes a fresh key current.
     *
     * @return the new current key
     */
    public TicketKey rotate() {
        return rotate(TicketKey.random());
    }

    /**
     * Makes {@code next} current (e.g. a key agreed across a fleet); returns it.
     *
     * @param next the new current key
     * @return {@code next}
     */
    public synchronized TicketKey rotate(TicketKey next) {
        List<TicketKey> k = new ArrayList<>(keys.size() + 1);
        k.add(next);
        k.addAll(keys.subList(0, Math.min(keys.size(), decryptOnly)));
        keys = List.copyOf(k);
        return next;
    }
}
