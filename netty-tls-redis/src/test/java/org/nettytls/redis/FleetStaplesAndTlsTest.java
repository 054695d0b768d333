package org.nettytls.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.ocsp.OcspClientConfig;
import org.nettytls.ocsp.OcspMode;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.ocsp.OcspStaplerEvent;
import org.nettytls.ocsp.Responses;
import org.nettytls.ocsp.TestResponder;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/**
 * OCSP staples shared through a real redis-server (the responder asked once for the fleet, a
 * staple fetched by A served by B while the responder is stopped), and the connection to Redis
 * itself: TLS verified by netty-tls' client options, and AUTH.
 */
class FleetStaplesAndTlsTest {
    static HeldCertificate root;
    static HeldCertificate ca;
    static HeldCertificate leaf;
    static HeldCertificate redisCert;

    @TempDir
    Path dir;
    final Loopback loop = new Loopback();
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Fleet OCSP Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().commonName("Fleet OCSP CA").certificateAuthority(0).signedBy(root).build();
        leaf = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").ocspUrl("http://127.0.0.1:9/unused").signedBy(ca).build();
        redisCert = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(root).build();
    }

    @AfterEach
    void close() throws Exception {
        loop.close();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    OcspStapler stapler(RedisFleet fleet, TestResponder responder, List<OcspStaplerEvent> events) throws Exception {
        OcspStapler s = closing(OcspStapler.builder(group).certificate(List.of(leaf.certificate(), ca.certificate()))
                .responderUrl(URI.create(responder.url())).store(fleet.stapleStore()).listener(events::add).start());
        assertTrue(s.ready().awaitUninterruptibly(20, TimeUnit.SECONDS));
        return s;
    }

    @Test
    void aStapleFetchedByOneInstanceIsServedByAllAndTheResponderIsAskedOnce() throws Exception {
        RedisServer redis = closing(new RedisServer(null, null).start());
        TestResponder responder = closing(new TestResponder(req -> {
            try {
                return Responses.forCert(leaf, ca).build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        List<OcspStaplerEvent> eventsA = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<OcspStaplerEvent> eventsB = new java.util.concurrent.CopyOnWriteArrayList<>();
        OcspStapler a = stapler(closing(RedisFleet.builder(redis.uri()).build()), responder, eventsA);
        assertNotNull(a.currentStaple(leaf.certificate()));
        assertEquals(1, responder.requests.get());
        OcspStapler b = stapler(closing(RedisFleet.builder(redis.uri()).build()), responder, eventsB);
        assertEquals(1, responder.requests.get(), "B took A's response from Redis: " + eventsB);
        assertArrayEquals(a.currentStaple(leaf.certificate()), b.currentStaple(leaf.certificate()));
        assertTrue(eventsB.get(0).fromStore(), eventsB.toString());

        // The responder stops; an instance started now still staples, and a strict client accepts it.
        responder.close();
        List<OcspStaplerEvent> eventsC = new java.util.concurrent.CopyOnWriteArrayList<>();
        OcspStapler c = stapler(closing(RedisFleet.builder(redis.uri()).build()), responder, eventsC);
        assertNotNull(c.currentStaple(leaf.certificate()), eventsC.toString());
        TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .ocspStapling(true).ocspStaples(c::currentStaple).build());
        int port = loop.server(server, side -> { });
        OcspClientConfig strict = OcspClientConfig.builder().mode(OcspMode.MUST_STAPLE).build();
        TlsClientContext client = TlsClientContext.create(strict.applyTo(TlsClientOptions.builder()
                .caCertificates(root.certificate())).build());
        Side side = loop.client(client, "localhost", port);
        assertNull(side.handshakeFailure());
        assertTrue(TlsConnectionInfo.of(side.channel).ocspStatus().orElse("").startsWith("good"),
                TlsConnectionInfo.of(side.channel).ocspStatus().toString());
    }

    @Test
    void aStoreThatIsDownMeansEachInstanceAsksTheResponder() throws Exception {
        RedisServer redis = closing(new RedisServer(null, null));
        TestResponder responder = closing(new TestResponder(req -> {
            try {
                return Responses.forCert(leaf, ca).build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        List<OcspStaplerEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        RedisFleet fleet = closing(RedisFleet.builder(redis.uri()).build());
        OcspStapler s = stapler(fleet, responder, events);
        assertNotNull(s.currentStaple(leaf.certificate()), "stapled all the same: " + events);
        assertEquals(1, responder.requests.get());
        assertTrue(events.stream().anyMatch(e -> e.kind() == OcspStaplerEvent.Kind.FAILED && e.fromStore()), events.toString());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RedisFleetMetrics(fleet).bindTo(registry);
        assertEquals(0.0, registry.get("tls.fleet.store.available").gauge().value());
        assertTrue(registry.get("tls.fleet.store.outages").functionCounter().count() >= 1);
    }

    @Test
    void tlsToRedisIsVerifiedByNettyTlsAndAuthIsRequired() throws Exception {
        Path tls = dir.resolve("redis-tls");
        Files.createDirectories(tls);
        Files.writeString(tls.resolve("redis.pem"), redisCert.certificatePem());
        Files.writeString(tls.resolve("redis.key"), redisCert.privateKeyPem());
        Files.writeString(tls.resolve("ca.pem"), root.certificatePem());
        RedisServer redis = closing(new RedisServer("s3cret", tls).start());

        RedisFleet good = closing(RedisFleet.builder(redis.uri())
                .tls(TlsClientOptions.builder().caCertificates(root.certificate()).build()).build());
        RedisTicketKeys keys = closing(good.ticketKeys(FleetTicketKeysTest.FAST));
        assertTrue(keys.shared(), "ticket keys read over verified TLS with AUTH: " + good);

        HeldCertificate otherRoot = HeldCertificate.builder().commonName("Someone Else").certificateAuthority(0).build();
        RedisFleet untrusted = closing(RedisFleet.builder(redis.uri())
                .tls(TlsClientOptions.builder().caCertificates(otherRoot.certificate()).build()).build());
        RedisTicketKeys refused = closing(untrusted.ticketKeys(RedisTicketKeys.Settings.builder()
                .poll(Duration.ofMillis(100)).rotation(Duration.ofSeconds(3)).staging(Duration.ofMillis(400))
                .startWait(Duration.ofMillis(500)).build()));
        assertFalse(refused.shared(), "a Redis whose certificate netty-tls does not trust gets no secrets");
        assertFalse(untrusted.available());

        String noPassword = redis.uri().replace(":s3cret@", "");
        RedisFleet anonymous = closing(RedisFleet.builder(noPassword)
                .tls(TlsClientOptions.builder().caCertificates(root.certificate()).build()).build());
        RedisTicketKeys denied = closing(anonymous.ticketKeys(RedisTicketKeys.Settings.builder()
                .poll(Duration.ofMillis(100)).rotation(Duration.ofSeconds(3)).staging(Duration.ofMillis(400))
                .startWait(Duration.ofMillis(500)).build()));
        assertFalse(denied.shared(), "without AUTH Redis refuses");
    }
}
