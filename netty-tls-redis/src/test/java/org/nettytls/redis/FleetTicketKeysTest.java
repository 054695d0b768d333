package org.nettytls.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.session.TicketKey;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.testing.Processes;

/**
 * Two server instances (two contexts in this JVM, each with its own Redis client, on separate
 * ports) share session ticket keys through a real redis-server: a session from A resumes on B,
 * with the netty-tls client and with {@code openssl s_client}, across a rotation; Redis killed
 * mid-run loses no connection and no resumption, and when it comes back (empty) the fleet
 * rejoins with the keys it had; an instance that started while Redis was down joins later.
 */
class FleetTicketKeysTest {
    static HeldCertificate root;
    static HeldCertificate server;

    @TempDir
    Path dir;
    final Loopback loop = new Loopback();
    final List<AutoCloseable> closeables = new ArrayList<>();

    /** Fast for a test: rotate every 3 s, read every 100 ms, a new key encrypts 400 ms after it appears. */
    static final RedisTicketKeys.Settings FAST = RedisTicketKeys.Settings.builder().rotation(Duration.ofSeconds(3))
            .poll(Duration.ofMillis(100)).staging(Duration.ofMillis(400)).keep(3).startWait(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Fleet Root").certificateAuthority(0).build();
        server = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(root).build();
    }

    @AfterEach
    void close() throws Exception {
        loop.close();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    RedisFleet fleet(RedisServer redis) throws Exception {
        return closing(RedisFleet.builder(redis.uri()).reconnectDelay(Duration.ofMillis(100))
                .commandTimeout(Duration.ofSeconds(1)).build());
    }

    /** An instance: a TLS echo server whose ticket keys come from {@code keys}; returns its port. */
    int instance(RedisTicketKeys keys, String version) throws Exception {
        TlsServerOptions.Builder b = TlsServerOptions.builder().certificate(server.keyMaterial())
                .sessionTickets(true).ticketKeys(keys);
        if (version != null) {
            b.version(version);
        }
        TlsServerContext tls = TlsServerContext.create(b.build());
        return loop.server(tls, side -> { });
    }

    /** A client whose sessions are filed under one key, whichever instance it connects to (as behind a balancer). */
    Side connect(TlsClientContext client, int port) {
        return loop.client(ch -> {
            try {
                client.install(ch.pipeline(), "localhost", port, "fleet");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, port);
    }

    /** Connects, waits for an echo (a TLS 1.3 ticket arrives after the handshake), closes; whether it resumed. */
    static boolean roundTrip(Side side) {
        assertNull(side.handshakeFailure());
        Loopback.writeNow(side, "ping\n");
        side.awaitReceived("ping");
        boolean resumed;
        try {
            resumed = TlsConnectionInfo.of(side.channel).sessionReused().orElse(false);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        side.channel.close().syncUninterruptibly();
        return resumed;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + Await.EVENT.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    static String encrypting(RedisTicketKeys keys) {
        return keys.ticketKeys().get(0).nameHex();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void aSessionFromOneInstanceResumesOnTheOtherAcrossARotation(String version) throws Exception {
        RedisServer redis = closing(new RedisServer("fleet-secret", null).start());
        RedisTicketKeys keysA = closing(fleet(redis).ticketKeys(FAST));
        RedisTicketKeys keysB = closing(fleet(redis).ticketKeys(FAST));
        assertTrue(keysA.shared() && keysB.shared());
        await("both instances serve the fleet's keys", () -> keysA.ticketKeys().equals(keysB.ticketKeys()));
        int a = instance(keysA, version);
        int b = instance(keysB, version);
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(root.certificate())
                .version(version).build());

        assertFalse(roundTrip(connect(client, a)), "the first connection is a full handshake");
        assertTrue(roundTrip(connect(client, b)), "A's session resumes on B");

        // A rotation: the ticket A issues now is under the key that is about to be retired from encrypting.
        String before = encrypting(keysA);
        assertTrue(roundTrip(connect(client, a)));
        await("a rotation reached both instances", () -> !encrypting(keysA).equals(before)
                && keysA.ticketKeys().equals(keysB.ticketKeys()));
        assertTrue(roundTrip(connect(client, b)), "a ticket under the previous key resumes on B after the rotation");
        assertTrue(roundTrip(connect(client, a)), "and A issues under the new key");
        assertTrue(roundTrip(connect(client, b)), "which B decrypts");
        assertTrue(keysA.ticketKeys().contains(new ArrayList<>(keysB.ticketKeys()).get(0)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void opensslSessionFromAResumesOnB(String version) throws Exception {
        String openssl = Interop.require("openssl");
        RedisServer redis = closing(new RedisServer(null, null).start());
        RedisTicketKeys keysA = closing(fleet(redis).ticketKeys(FAST));
        RedisTicketKeys keysB = closing(fleet(redis).ticketKeys(FAST));
        await("both instances serve the fleet's keys", () -> keysA.ticketKeys().equals(keysB.ticketKeys()));
        int a = instance(keysA, null);
        int b = instance(keysB, null);
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
        Processes.Result first = sClient(openssl, version, a, "-sess_out");
        assertTrue(first.stdout.contains("New, TLS"), first.toString());
        Processes.Result second = sClient(openssl, version, b, "-sess_in");
        assertTrue(second.stdout.contains("Reused, TLS"), "B resumed A's session:\n" + second);
    }

    Processes.Result sClient(String openssl, String version, int port, String sessionOption) {
        // Input open until the echo came back: a TLS 1.3 ticket arrives after the handshake (see PEERS.md).
        return Processes.run(dir, Await.EVENT, "ping\n".getBytes(), List.of("sh", "-c",
                "rm -f s_client.out s_client.status; (printf 'ping\\n'; until grep -qs '^ping' s_client.out || [ -e s_client.status ];"
                        + " do sleep 0.05; done) | { '" + openssl + "' s_client -connect 127.0.0.1:" + port + " " + version
                        + " -servername localhost -CAfile ca.pem -verify_return_error " + sessionOption + " sess.pem"
                        + " >s_client.out; echo $? >s_client.status; }; cat s_client.out; exit $(cat s_client.status)"));
    }

    @Test
    void redisKilledMidRunLosesNoConnectionNorResumptionAndTheFleetRejoins() throws Exception {
        RedisServer redis = closing(new RedisServer(null, null).start());
        RedisFleet fleetA = fleet(redis);
        RedisFleet fleetB = fleet(redis);
        RedisTicketKeys keysA = closing(fleetA.ticketKeys(FAST));
        RedisTicketKeys keysB = closing(fleetB.ticketKeys(FAST));
        await("both instances serve the fleet's keys", () -> keysA.ticketKeys().equals(keysB.ticketKeys()));
        int a = instance(keysA, "TLSv1_3");
        int b = instance(keysB, "TLSv1_3");
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(root.certificate()).build());
        roundTrip(connect(client, a));
        Side open = connect(client, b);
        assertNull(open.handshakeFailure());

        redis.kill();
        await("both instances noticed", () -> !keysA.shared() && !keysB.shared());
        assertTrue(fleetA.outages() >= 1 && fleetB.outages() >= 1);
        List<TicketKey> held = keysA.ticketKeys();
        // The open connection goes on; new handshakes neither wait nor lose resumption.
        Loopback.writeNow(open, "still here\n");
        open.awaitReceived("still here");
        assertTrue(roundTrip(connect(client, b)), "resumption across instances from memory while Redis is down");
        assertTrue(roundTrip(connect(client, a)));

        redis.start();
        await("both instances rejoined", () -> keysA.shared() && keysB.shared()
                && keysA.ticketKeys().equals(keysB.ticketKeys()));
        assertTrue(keysA.ticketKeys().containsAll(held), "the restarted, empty Redis was seeded with the keys in memory");
        assertTrue(roundTrip(connect(client, b)), "sessions from before the outage still resume");
        assertEquals(0, fleetA.localRotations() + fleetB.localRotations(), "a short outage needs no local rotation");
    }

    @Test
    void anInstanceStartedWhileRedisIsDownServesAloneThenJoins() throws Exception {
        RedisServer redis = closing(new RedisServer(null, null));
        RedisFleet late = fleet(redis);
        RedisTicketKeys keys = closing(late.ticketKeys(RedisTicketKeys.Settings.builder().rotation(Duration.ofSeconds(3))
                .poll(Duration.ofMillis(100)).staging(Duration.ofMillis(400)).startWait(Duration.ofMillis(300)).build()));
        assertFalse(keys.shared());
        assertEquals(1, keys.ticketKeys().size(), "a key of its own, so that it can serve at once");
        TicketKey own = keys.ticketKeys().get(0);
        assertTrue(late.outages() >= 1);
        redis.start();
        RedisTicketKeys other = closing(fleet(redis).ticketKeys(FAST));
        await("the late instance joined", () -> keys.shared() && keys.ticketKeys().get(0).equals(other.ticketKeys().get(0)));
        assertTrue(keys.ticketKeys().contains(own), "its own key still decrypts the tickets it issued alone");
        assertNotEquals(own, keys.ticketKeys().get(0));
    }

    @Test
    void redisAwayBeyondTheBoundRotatesLocally() throws Exception {
        RedisServer redis = closing(new RedisServer(null, null).start());
        RedisFleet fleet = fleet(redis);
        RedisTicketKeys keys = closing(fleet.ticketKeys(RedisTicketKeys.Settings.builder().rotation(Duration.ofSeconds(2))
                .poll(Duration.ofMillis(100)).staging(Duration.ofMillis(300)).localRotationAfter(Duration.ofSeconds(1)).build()));
        await("shared", keys::shared);
        redis.kill();
        String before = encrypting(keys);
        await("a local rotation", () -> fleet.localRotations() >= 1);
        assertNotEquals(before, encrypting(keys));
    }
}
