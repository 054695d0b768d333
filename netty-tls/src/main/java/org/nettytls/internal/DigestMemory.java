package org.nettytls.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded memory of verified facts named by SHA-256 digests, least recently used first out,
 * thread-safe: what the trust manager's chain memory and the OCSP staple memory both keep.
 * Only successes belong in it; what a clock changes is checked again by the caller on every use.
 *
 * @param <V> what is remembered of a fact
 */
public final class DigestMemory<V> {
    private final int size;
    private final Map<Key, V> entries;

    public DigestMemory(int size) {
        this.size = size;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, V> eldest) {
                return size() > DigestMemory.this.size;
            }
        };
    }

    /** Whether this memory keeps anything at all. */
    public boolean keeps() {
        return size > 0;
    }

    public synchronized V get(byte[] digest) {
        return entries.get(new Key(digest));
    }

    public synchronized void put(byte[] digest, V value) {
        entries.put(new Key(digest), value);
    }

    public synchronized int size() {
        return entries.size();
    }

    /** A new SHA-256 digest; every JDK has one. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    /** Adds {@code part} with its length first, so that no two lists of parts hash the same bytes. */
    public static void update(MessageDigest md, byte[] part) {
        md.update(ByteBuffer.allocate(4).putInt(part.length).array());
        md.update(part);
    }

    private static final class Key {
        private final byte[] digest;
        private final int hash;

        Key(byte[] digest) {
            this.digest = digest;
            this.hash = Arrays.hashCode(digest);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && Arrays.equals(digest, ((Key) o).digest);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
