package org.nettytls.session;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One session ticket key: a 16-byte name, written into every ticket it encrypts, and 32 bytes of
 * secret (the reference's {@code ($key, $key_name)} of {@code SSL_ticket_keycb}); BoringSSL
 * uses the first half of the secret for the HMAC and the second for AES-128.
 *
 * <p><b>Please note:</b> whoever holds a key can decrypt every session it protected. Rotate
 * keys and retire old ones (see {@link TicketKeyRing}).
 */
public final class TicketKey {
    /** The length of a key name in bytes: the {@code key_name} of an RFC 5077 ticket. */
    public static final int NAME_SIZE = 16;
    /** The length of the secret in bytes: 16 for the HMAC key, 16 for the AES-128 key. */
    public static final int SECRET_SIZE = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] name;
    private final byte[] secret;

    private TicketKey(byte[] name, byte[] secret) {
        this.name = name;
        this.secret = secret;
    }

    /**
     * A key from its 16-byte name and 32-byte secret, e.g. from a fleet's key store.
     *
     * @param name 16 bytes
     * @param secret 32 bytes
     * @return the key
     */
    public static TicketKey of(byte[] name, byte[] secret) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(secret, "secret");
        if (name.length != NAME_SIZE) {
            throw new IllegalArgumentException("a ticket key name has 16 bytes, not " + name.length);
        }
        if (secret.length != SECRET_SIZE) {
            throw new IllegalArgumentException("a ticket key secret has 32 bytes, not " + secret.length);
        }
        return new TicketKey(name.clone(), secret.clone());
    }

    /** {@return a fresh key with a random name and secret} */
    public static TicketKey random() {
        byte[] name = new byte[NAME_SIZE];
        byte[] secret = new byte[SECRET_SIZE];
        RANDOM.nextBytes(name);
        RANDOM.nextBytes(secret);
        return new TicketKey(name, secret);
    }

    /**
     * The key's name, written into every ticket it encrypts so the server can find the key again.
     *
     * @return a copy of the 16-byte name
     */
    public byte[] name() {
        return name.clone();
    }

    /** {@return the name in hex, safe to log (the secret is never printed)} */
    public String nameHex() {
        return HexFormat.of().formatHex(name);
    }

    /**
     * The secret; whoever holds it can decrypt every session it protected.
     *
     * @return a copy of the 32-byte secret
     */
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TicketKey && Arrays.equals(name, ((TicketKey) o).name)
                && Arrays.equals(secret, ((TicketKey) o).secret);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name);
    }

    @Override
    public String toString() {
        return "TicketKey(" + nameHex() + ")";
    }
}
