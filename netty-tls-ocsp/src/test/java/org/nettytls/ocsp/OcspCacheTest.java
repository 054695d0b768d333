package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;

/** The cache's rules, attacked: expiry the right way round (the reference has it backwards), no revocation forgotten. */
class OcspCacheTest {
    static HeldCertificate ca;
    static String a;
    static String b;
    static String c;
    final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @BeforeAll
    static void ids() throws Exception {
        ca = HeldCertificate.builder().commonName("Cache CA").certificateAuthority(0).build();
        a = id(1);
        b = id(2);
        c = id(3);
    }

    static String id(int serial) throws Exception {
        HeldCertificate cert = HeldCertificate.builder().dns("x.test").serialNumber(BigInteger.valueOf(serial)).signedBy(ca)
                .build();
        return OcspCertId.of(cert.certificate(), ca.certificate()).key();
    }

    static final class TestClock extends Clock {
        volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static OcspStatus status(OcspStatus.Result r, Instant until) {
        return new OcspStatus(r, OcspStatus.Source.STAPLE, "'x'", null, until.minusSeconds(3600), until, until);
    }

    @Test
    void anEntryIsHandedOutUntilItsNextUpdateAndNotAfter() {
        TestClock clock = new TestClock(t0);
        MemoryOcspCache cache = new MemoryOcspCache(10, clock);
        cache.put(a, status(OcspStatus.Result.GOOD, t0.plusSeconds(100)));
        clock.now = t0.plusSeconds(99);
        assertNotNull(cache.get(a), "a fresh entry must be served (the reference drops it)");
        clock.now = t0.plusSeconds(100);
        assertNull(cache.get(a), "an entry at its nextUpdate is stale (the reference keeps it)");
    }

    /** The reference's bug (c): a revocation seen by one connection is reported clean to the next. */
    @Test
    void aRevocationIsNotReplacedByAGoodAnswer() {
        TestClock clock = new TestClock(t0);
        MemoryOcspCache cache = new MemoryOcspCache(10, clock);
        cache.put(a, status(OcspStatus.Result.REVOKED, t0.plusSeconds(100)));
        cache.put(a, status(OcspStatus.Result.GOOD, t0.plusSeconds(500)));
        assertEquals(OcspStatus.Result.REVOKED, cache.get(a).result());
        cache.put(a, OcspStatus.softFailure(OcspStatus.Source.RESOLVER, "'x'", "down", t0.plusSeconds(10)));
        assertEquals(OcspStatus.Result.REVOKED, cache.get(a).result());
    }

    @Test
    void aSoftFailureDoesNotReplaceASignedAnswerButExpiresSoon() {
        TestClock clock = new TestClock(t0);
        MemoryOcspCache cache = new MemoryOcspCache(10, clock);
        cache.put(a, status(OcspStatus.Result.GOOD, t0.plusSeconds(100)));
        cache.put(a, OcspStatus.softFailure(OcspStatus.Source.RESOLVER, "'x'", "down", t0.plusSeconds(10)));
        assertEquals(OcspStatus.Result.GOOD, cache.get(a).result());
        cache.put(b, OcspStatus.softFailure(OcspStatus.Source.RESOLVER, "'x'", "down", t0.plusSeconds(10)));
        assertEquals(OcspStatus.Result.SOFT_FAILURE, cache.get(b).result());
        clock.now = t0.plusSeconds(10);
        assertNull(cache.get(b));
    }

    @Test
    void expiredAnswersAreNotStoredAndRevocationsAreEvictedLast() {
        TestClock clock = new TestClock(t0);
        MemoryOcspCache cache = new MemoryOcspCache(2, clock);
        cache.put(c, status(OcspStatus.Result.GOOD, t0.minusSeconds(1)));
        assertEquals(0, cache.size());
        cache.put(a, status(OcspStatus.Result.REVOKED, t0.plus(Duration.ofDays(1))));
        cache.put(b, status(OcspStatus.Result.GOOD, t0.plus(Duration.ofDays(1))));
        cache.put(c, status(OcspStatus.Result.GOOD, t0.plus(Duration.ofDays(1))));
        assertEquals(2, cache.size());
        assertEquals(OcspStatus.Result.REVOKED, cache.get(a).result(), "the least recently used revocation survives");
        assertNull(cache.get(b));
        assertNotNull(cache.get(c));
    }
}
