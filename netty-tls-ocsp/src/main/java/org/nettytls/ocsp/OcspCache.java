package org.nettytls.ocsp;

import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where verified OCSP answers are kept between connections ({@code SSL_ocsp_cache}), shared by
 * every context and connection given the same instance. Implement it to share one cache in an
 * external store across a fleet of servers; the key is {@link OcspCertId#key()}.
 *
 * <p>Rules every implementation must keep (the in-memory one does, and its tests attack them):
 * <ul>
 * <li>An entry is handed out only while it is current ({@link OcspStatus#isCurrent}), that is
 *     strictly before its {@link OcspStatus#validUntil()}. (IO::Socket::SSL 2.081 compares the
 *     other way round: it drops fresh entries and keeps stale ones.)
 * <li>A current {@code REVOKED} entry is never replaced by anything but another revocation: a
 *     good answer replayed by one peer must not clear what another connection learned.
 * <li>A soft failure never replaces a current signed answer.
 * </ul>
 * Only verified answers are ever put, and calls may come from any event loop: implementations
 * must be thread-safe and must not block.
 */
public interface OcspCache {
    /** The current entry for {@code id}, or {@code null}. */
    OcspStatus get(OcspCertId id);

    /** Records {@code status} for {@code id}, under the rules above. */
    void put(OcspCertId id, OcspStatus status);

    /** A bounded in-memory cache that evicts the least recently used entries beyond {@code maxEntries}. */
    static OcspCache inMemory(int maxEntries) {
        return new MemoryCache(maxEntries, Clock.systemUTC());
    }

    /** Whether {@code incoming} may replace {@code existing} at {@code now}, under the rules above. */
    static boolean mayReplace(OcspStatus existing, OcspStatus incoming, Instant now) {
        if (existing == null || !existing.isCurrent(now)) {
            return true;
        }
        if (existing.result() == OcspStatus.Result.REVOKED) {
            return incoming.result() == OcspStatus.Result.REVOKED;
        }
        return incoming.result() != OcspStatus.Result.SOFT_FAILURE
                || existing.result() == OcspStatus.Result.SOFT_FAILURE;
    }

    /** The in-memory cache: a synchronized access-ordered map, short critical sections only. */
    final class MemoryCache implements OcspCache {
        private final int maxEntries;
        private final Clock clock;
        private final LinkedHashMap<OcspCertId, OcspStatus> entries = new LinkedHashMap<>(16, 0.75f, true);

        MemoryCache(int maxEntries, Clock clock) {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("an OCSP cache needs room for at least one entry: " + maxEntries);
            }
            this.maxEntries = maxEntries;
            this.clock = clock;
        }

        @Override
        public synchronized OcspStatus get(OcspCertId id) {
            OcspStatus s = entries.get(id);
            if (s == null) {
                return null;
            }
            if (!s.isCurrent(clock.instant())) {
                entries.remove(id);
                return null;
            }
            return s;
        }

        @Override
        public synchronized void put(OcspCertId id, OcspStatus status) {
            Instant now = clock.instant();
            if (!status.isCurrent(now) || !mayReplace(entries.get(id), status, now)) {
                return;
            }
            entries.put(id, status);
            if (entries.size() > maxEntries) {
                dropExpired(now);
            }
            // Revocations are evicted last: a full cache must not be the way to forget one.
            evict(e -> e.getValue().result() != OcspStatus.Result.REVOKED);
            evict(e -> true);
        }

        private void evict(java.util.function.Predicate<Map.Entry<OcspCertId, OcspStatus>> evictable) {
            Iterator<Map.Entry<OcspCertId, OcspStatus>> it = entries.entrySet().iterator();
            while (entries.size() > maxEntries && it.hasNext()) {
                if (evictable.test(it.next())) {
                    it.remove();
                }
            }
        }

        private void dropExpired(Instant now) {
            entries.values().removeIf(s -> !s.isCurrent(now));
        }

        synchronized int size() {
            return entries.size();
        }
    }
}
