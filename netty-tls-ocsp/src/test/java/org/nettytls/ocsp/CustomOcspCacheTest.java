package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;

/**
 * A fleet's own {@link OcspCache}: a store keyed by the key the library hands it (as an external
 * store would be), shared by two "servers" with separate configurations. The checks and the
 * resolver use it, and a revocation one of them learned is never turned into good: not by a
 * replayed older "good" staple at the other, not by the resolver there.
 */
class CustomOcspCacheTest {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    /** What an external store does: string keys, values shared by every process; the interface's rules via mayReplace. */
    static final class FleetStore implements OcspCache {
        final Map<String, OcspStatus> store = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> calls = new ConcurrentLinkedQueue<>();

        @Override
        public OcspStatus get(String key) {
            calls.add("get " + key);
            OcspStatus s = store.get(key);
            return s != null && s.isCurrent(Instant.now()) ? s : null;
        }

        @Override
        public void put(String key, OcspStatus status) {
            calls.add("put " + key + " " + status.result().name());
            store.compute(key, (k, old) -> OcspCache.mayReplace(old, status, Instant.now()) ? status : old);
        }
    }

    @AfterEach
    void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void aSharedCustomCacheIsUsedAndKeepsARevocationFromBothTheChecksAndTheResolver() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Fleet CA").certificateAuthority(0).build();
        FleetStore fleet = new FleetStore();
        try (TestResponder responder = new TestResponder(req -> null)) {
            HeldCertificate leaf = HeldCertificate.builder().dns("fleet.test").serialNumber(BigInteger.valueOf(77))
                    .ocspUrl(responder.url()).signedBy(ca).build();
            String key = OcspCertId.of(leaf.certificate(), ca.certificate()).key();
            byte[] revoked = Responses.forCert(leaf, ca).revoked(1).build();
            Instant now = Instant.now();
            byte[] olderGood = Responses.forCert(leaf, ca).times(now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(5)))
                    .build();
            OcspClientConfig serverA = OcspClientConfig.builder().cache(fleet).build();
            OcspClientConfig serverB = OcspClientConfig.builder().cache(fleet).resolve(true).build();

            OcspStatus atA = OcspStapleCheck.judge(serverA, leaf.certificate(), ca.certificate(), "'fleet.test'", revoked);
            assertEquals(OcspStatus.Result.REVOKED, atA.result(), atA.toString());
            assertTrue(fleet.calls.contains("put " + key + " REVOKED"), String.valueOf(fleet.calls));

            // Server B gets a replay of an older, validly signed "good" staple: the store's revocation stands.
            OcspStatus atB = OcspStapleCheck.judge(serverB, leaf.certificate(), ca.certificate(), "'fleet.test'", olderGood);
            assertEquals(OcspStatus.Result.REVOKED, atB.result(), atB.toString());
            assertEquals(OcspStatus.Source.CACHE, atB.source());
            assertEquals(OcspStatus.Result.REVOKED, fleet.store.get(key).result());

            // And B's resolver answers from the store without asking the responder (which would never answer).
            OcspResolver resolved = OcspResolver.forChain(List.of(leaf.certificate(), ca.certificate()), serverB)
                    .resolve(group.next(), NioSocketChannel.class).get(10, TimeUnit.SECONDS);
            assertTrue(resolved.hardError().contains("revoked"), resolved.hardError());
            assertEquals(OcspStatus.Source.CACHE, resolved.statuses().get(0).source());
            assertEquals(0, responder.requests.get(), "the responder is not asked");

            // A good staple verified at B when nothing was stored goes into the store as good.
            HeldCertificate other = HeldCertificate.builder().dns("other.test").serialNumber(BigInteger.valueOf(78))
                    .signedBy(ca).build();
            OcspStatus good = OcspStapleCheck.judge(serverB, other.certificate(), ca.certificate(), "'other.test'",
                    Responses.forCert(other, ca).build());
            assertTrue(good.isGood(), good.toString());
            assertEquals(OcspStatus.Result.GOOD,
                    fleet.store.get(OcspCertId.of(other.certificate(), ca.certificate()).key()).result());
        }
    }
}
