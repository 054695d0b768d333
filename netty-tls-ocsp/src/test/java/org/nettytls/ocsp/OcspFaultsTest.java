package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.Bystander;
import org.nettytls.testing.Loopback;

/**
 * A responder that is down, slow, answers garbage or answers far too much: the stapler reports
 * the failure within its timeout, staples nothing, and the server it staples for keeps completing
 * handshakes for a client talking to it all along; once the responder is good again the stapler's
 * retry staples. (The resolver's down, slow and garbage cases are in {@link OcspResolverTest};
 * its huge answer is here.)
 */
class OcspFaultsTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** Far beyond {@code maxResponseBytes} (64 KiB). */
    private static final int HUGE = 4 * 1024 * 1024;

    enum Fault { DOWN, SLOW, GARBAGE, HUGE }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Loopback loop = new Loopback();
    private TestResponder responder;
    private OcspStapler stapler;

    @AfterEach
    void close() {
        if (stapler != null) {
            stapler.close();
        }
        loop.close();
        if (responder != null) {
            responder.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static byte[] huge() {
        byte[] b = new byte[HUGE];
        // A DER SEQUENCE header claiming all of it, so only the size can stop a reader.
        b[0] = 0x30;
        b[1] = (byte) 0x83;
        b[2] = (byte) ((HUGE - 5) >> 16);
        b[3] = (byte) ((HUGE - 5) >> 8);
        b[4] = (byte) (HUGE - 5);
        return b;
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aBrokenResponderLeavesHandshakesGoingUnstapledUntilItRecovers(Fault fault) throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Faults CA").certificateAuthority(0).build();
        HeldCertificate[] leaf = new HeldCertificate[1];
        responder = new TestResponder(req -> {
            switch (fault) {
                case SLOW:
                    return null;
                case GARBAGE:
                    return new byte[] {0x30, 0x03, 1, 2, 3};
                case HUGE:
                    return huge();
                default:
                    return OcspResolverTest.answer(req, ca, List.of());
            }
        });
        String url;
        if (fault == Fault.DOWN) {
            try (ServerSocket s = new ServerSocket(0)) {
                url = "http://127.0.0.1:" + s.getLocalPort() + "/ocsp";
            }
        } else {
            url = responder.url();
        }
        leaf[0] = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").ocspUrl(url).signedBy(ca).build();

        LinkedBlockingQueue<OcspStaplerEvent> events = new LinkedBlockingQueue<>();
        stapler = OcspStapler.builder(group).certificate(List.of(leaf[0].certificate(), ca.certificate()))
                .verification(OcspClientConfig.builder().timeout(TIMEOUT).build()).channelType(NioSocketChannel.class)
                .listener(events::add).start();
        // Without the timeout a silent responder would never give a first event; its message says it was the timeout.
        OcspStaplerEvent first = events.poll(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(first, "no event from the stapler");
        assertEquals(OcspStaplerEvent.Kind.FAILED, first.kind(), first.toString());
        assertTrue(fault != Fault.SLOW || first.cause().contains("within " + TIMEOUT.toMillis() + " ms"), first::toString);
        assertNull(stapler.currentStaple(leaf[0].certificate()));

        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf[0].keyMaterial())
                .ocspStapling(true).build());
        int port = loop.server(ch -> stapler.staple(tls.install(ch.pipeline())), s -> { }, true);
        SSLContext jdk = Bystander.trusting(ca.certificate());
        Bystander client = Bystander.start("ocsp-" + fault, Bystander.all(Bystander.newConnectionEcho(jdk, port, Duration.ofSeconds(5)),
                Bystander.keptConnectionEcho(jdk, port, Duration.ofSeconds(5))), Duration.ofMillis(100));

        if (fault != Fault.DOWN) {
            // Repaired: one of the stapler's retries (after 1, 2, 4, ... s from the first failure) staples.
            responder.answer = req -> OcspResolverTest.answer(req, ca, List.of());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            OcspStaplerEvent next;
            do {
                next = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertNotNull(next, "the stapler did not retry within 90 s");
            } while (next.kind() == OcspStaplerEvent.Kind.FAILED);
            assertEquals(OcspStaplerEvent.Kind.FETCHED, next.kind(), next.toString());
            assertNotNull(stapler.currentStaple(leaf[0].certificate()));
        } else {
            assertNull(stapler.currentStaple(leaf[0].certificate()));
        }
        client.awaitMore(5, Duration.ofSeconds(30));
        client.assertUnharmed(5, Duration.ofSeconds(5));
    }

    @Test
    void theResolverGivesUpOnAHugeAnswerAsASoftError() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Faults CA").certificateAuthority(0).build();
        responder = new TestResponder(req -> huge());
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").ocspUrl(responder.url()).signedBy(ca).build();
        // A timeout that cannot end it: only the size limit does.
        OcspResolver r = OcspResolver.forChain(List.of(leaf.certificate(), ca.certificate()),
                OcspClientConfig.builder().timeout(Await.EVENT.multipliedBy(10)).build())
                .resolve(group.next(), NioSocketChannel.class).get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
        assertEquals("", r.hardError());
        assertNotNull(r.softError());
        assertEquals(OcspStatus.Result.SOFT_FAILURE, r.statuses().get(0).result(), r.statuses().toString());
        // Refused on its announced length, before reading any of the body.
        assertTrue(r.softError().contains("Response entity too large"), r.softError());
        assertTrue(responder.requests.get() >= 1);
    }
}
