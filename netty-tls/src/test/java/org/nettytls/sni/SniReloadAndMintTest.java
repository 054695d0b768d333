package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

class SniReloadAndMintTest {
    @TempDir
    Path dir;
    private final Loopback loop = new Loopback();

    @AfterEach
    void close() {
        loop.close();
    }

    private X509Certificate certificateFor(String name, int port, X509Certificate ca) throws TlsException {
        Side side = loop.client(TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca).build()), name, port);
        Throwable failure = side.handshakeFailure();
        assertNull(failure, () -> "handshake for " + name + ": " + failure);
        try {
            return (X509Certificate) side.channel.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates()[0];
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void write(Path prefix, HeldCertificate cert) throws Exception {
        cert.writeTo(prefix);
    }

    private SniReloader reloaderFor(Path prefix) throws TlsException {
        Path pem = prefix.resolveSibling("b.pem");
        Path key = prefix.resolveSibling("b.key");
        return SniReloader.create(() -> SniMapping.builder()
                .add("b.test", TlsServerOptions.builder().certificateFile(pem, key).build()).build());
    }

    @Test
    void reloadServesNewCertificatesToNewConnectionsAndKeepsOpenOnes() throws Exception {
        HeldCertificate first = HeldCertificate.builder().commonName("first").dns("b.test").signedBy(SniPki.CA).build();
        HeldCertificate second = HeldCertificate.builder().commonName("second").dns("b.test").signedBy(SniPki.CA).build();
        Path prefix = dir.resolve("b");
        write(prefix, first);
        SniReloader reloader = reloaderFor(prefix);
        BlockingQueue<SniReloadEvent> events = new LinkedBlockingQueue<>();
        reloader.onReload(events::add);
        int port = loop.server(ch -> SniCertSelector.install(ch.pipeline(), reloader, SniSelectorOptions.DEFAULTS),
                s -> { }, true);

        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(SniPki.CA.certificate()).build());
        Side open = loop.client(client, "b.test", port);
        assertNull(open.handshakeFailure());
        assertEquals(first.certificate(), certificateFor("b.test", port, SniPki.CA.certificate()));

        write(prefix, second);
        assertTrue(reloader.reload());
        assertTrue(events.poll(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(second.certificate(), certificateFor("b.test", port, SniPki.CA.certificate()));
        Loopback.writeNow(open, "still here\n");
        open.awaitReceived("still here\n");

        // A broken key file: the reload fails, says why, and the second certificate stays in service.
        Files.writeString(prefix.resolveSibling("b.key"), "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
        assertFalse(reloader.reload());
        SniReloadEvent failed = events.poll(20, TimeUnit.SECONDS);
        assertFalse(failed.isSuccess());
        assertTrue(failed.cause().getMessage().contains("b.key"), failed::toString);
        assertSame(reloader.current(), failed.mapping());
        assertEquals(second.certificate(), certificateFor("b.test", port, SniPki.CA.certificate()));
    }

    @Test
    void watchReloadsWhenAFileChanges() throws Exception {
        HeldCertificate first = HeldCertificate.builder().commonName("first").dns("b.test").signedBy(SniPki.CA).build();
        HeldCertificate second = HeldCertificate.builder().commonName("second").dns("b.test").signedBy(SniPki.CA).build();
        Path prefix = dir.resolve("b");
        write(prefix, first);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (SniReloader reloader = reloaderFor(prefix)) {
            BlockingQueue<SniReloadEvent> events = new LinkedBlockingQueue<>();
            reloader.onReload(events::add).watch(scheduler, Duration.ofMillis(50),
                    prefix.resolveSibling("b.pem"), prefix.resolveSibling("b.key"));
            write(prefix, second);
            SniReloadEvent e = events.poll(20, TimeUnit.SECONDS);
            assertNotNull(e, "no reload within 20 s of the change");
            // The watcher may see the certificate before the key is written: wait for the good one.
            while (!e.isSuccess() || !e.mapping().context("b.test").options().keyMaterial().leaf().equals(second.certificate())) {
                e = events.poll(20, TimeUnit.SECONDS);
                assertNotNull(e, "no reload with the second certificate within 20 s");
            }
            assertEquals(second.certificate(), reloader.current().context("b.test").options().keyMaterial().leaf());
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void mintsPerNameCachesAndNeverRepeatsASerial() throws Exception {
        HeldCertificate proxyCa = HeldCertificate.builder().commonName("Proxy CA").certificateAuthority(0).build();
        SniMinter minter = SniMinter.builder(proxyCa).maxCached(2).build();
        int port = loop.server(ch -> SniCertSelector.install(ch.pipeline(), minter, SniSelectorOptions.DEFAULTS), s -> { }, true);

        X509Certificate x = certificateFor("x.example", port, proxyCa.certificate());
        assertEquals(proxyCa.certificate().getSubjectX500Principal(), x.getIssuerX500Principal());
        assertEquals(x, certificateFor("X.Example.", port, proxyCa.certificate()), "cached");
        X509Certificate y = certificateFor("y.example", port, proxyCa.certificate());
        X509Certificate z = certificateFor("z.example", port, proxyCa.certificate());
        assertEquals(2, minter.cachedCount(), "bounded");
        X509Certificate x2 = certificateFor("x.example", port, proxyCa.certificate());
        assertNotEquals(x, x2, "x.example was the least recently used and went out of the cache");
        Set<Object> serials = new HashSet<>();
        for (X509Certificate c : new X509Certificate[] {x, y, z, x2}) {
            assertTrue(serials.add(c.getSerialNumber()), "serial " + c.getSerialNumber() + " repeats");
        }
    }

    @Test
    void clonesAnUpstreamCertificatesSubjectAndNames() throws Exception {
        HeldCertificate proxyCa = HeldCertificate.builder().commonName("Proxy CA").certificateAuthority(0).build();
        HeldCertificate upstream = HeldCertificate.builder().subject("CN=shop.example,O=Shop Ltd,C=DE")
                .dns("shop.example", "www.shop.example").ip("192.0.2.7").signedBy(SniPki.CA).build();
        SniMinter minter = SniMinter.builder(proxyCa).build();
        TlsServerContext ctx = minter.cloneOf(upstream.certificate()).toCompletableFuture().get(20, TimeUnit.SECONDS);
        X509Certificate clone = ctx.options().keyMaterial().leaf();
        assertEquals(upstream.certificate().getSubjectX500Principal(), clone.getSubjectX500Principal());
        assertEquals(new java.util.ArrayList<>(upstream.certificate().getSubjectAlternativeNames()),
                new java.util.ArrayList<>(clone.getSubjectAlternativeNames()));
        assertEquals(upstream.certificate().getNotAfter(), clone.getNotAfter());
        assertEquals(proxyCa.certificate().getSubjectX500Principal(), clone.getIssuerX500Principal());
        clone.verify(proxyCa.certificate().getPublicKey());
        assertSame(ctx, minter.cloneOf(upstream.certificate()).toCompletableFuture().get(20, TimeUnit.SECONDS), "cached");
    }

    @Test
    void aMinterRefusesANonCaAndClientsWithoutNames() throws Exception {
        TlsException e = org.junit.jupiter.api.Assertions.assertThrows(TlsException.class,
                () -> SniMinter.builder(SniPki.B_EC).build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        HeldCertificate proxyCa = HeldCertificate.builder().commonName("Proxy CA").certificateAuthority(0).build();
        assertNull(SniMinter.builder(proxyCa).build().lookup(null).toCompletableFuture().get(20, TimeUnit.SECONDS));
    }
}
