package org.nettytls.ocsp;

import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nettytls.annotation.Spi;

/**
 * Where verified OCSP answers are kept between connections ({@code SSL_ocsp_cache}), shared by
 * every context and connection given the same instance. Implement it to share one cache in an
 * external store across a fleet of servers. The key names a certificate by its issuer and serial
 * number (SHA-256 based, the same whatever hash a response used, stable across processes), so it
 * can be stored as it is.
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
@Spi
public interface OcspCache {
    /**
     * The current entry for the certificate {@code key} names, or {@code null}.
     *
     * @param key names a certificate (issuer and serial)
     * @return the entry, or {@code null}
     */
    OcspStatus get(String key);

    /**
     * Records {@code status} for the certificate {@code key} names, under the rules above.
     *
     * @param key names a certificate (issuer and serial)
     * @param status the answer
     */
    void put(String key, OcspStatus status);

    /**
     * A bounded in-memory cache that evicts the least recently used entries beyond {@code maxEntries}.
     *
     * @param maxEntries the most entries kept
     * @return the cache
     */
    static OcspCache inMemory(int maxEntries) {
        return new MemoryOcspCache(maxEntries, Clock.systemUTC());
    }

    /**
     * Whether {@code incoming} may replace {@code existing} at {@code now}, under the rules above.
     *
     * @param existing the entry kept, or {@code null}
     * @param incoming the new answer
     * @param now the time of the decision
     * @return {@code true} when the new answer may replace the old
     */
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
}
