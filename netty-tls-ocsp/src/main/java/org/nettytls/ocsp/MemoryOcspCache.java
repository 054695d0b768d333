package org.nettytls.ocsp;

import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** The in-memory cache: a synchronized access-ordered map, short critical sections only. */
final class MemoryOcspCache implements OcspCache {
    private final int maxEntries;
    private final Clock clock;
    private final LinkedHashMap<String, OcspStatus> entries = new LinkedHashMap<>(16, 0.75f, true);

    MemoryOcspCache(int maxEntries, Clock clock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("an OCSP cache needs room for at least one entry: " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    @Override
    public synchronized OcspStatus get(String id) {
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
    public synchronized void put(String id, OcspStatus status) {
        Instant now = clock.instant();
        if (!status.isCurrent(now) || !OcspCache.mayReplace(entries.get(id), status, now)) {
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

    private void evict(java.util.function.Predicate<Map.Entry<String, OcspStatus>> evictable) {
        Iterator<Map.Entry<String, OcspStatus>> it = entries.entrySet().iterator();
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
