package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsHandshakeEvent;
import org.nettytls.TlsObserver;
import org.nettytls.TlsServerContext;
import org.nettytls.fuzz.Property;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.trap.ErrorTrap;
import org.nettytls.trap.PlainHttpAnswer;

/**
 * Every connection through the selector is observed as exactly one server handshake, with the
 * code its {@link SniCompletionEvent} carries, on each path: a name read and chosen, a name
 * nothing matches, and the paths that leave the hello to BoringSSL (handed to the default's
 * handler, judged without a default), plaintext taken by the default's trap, and a refused name.
 * One observer sits on the selector and on every context, as {@code serve --metrics} has it, so a
 * handshake reported by both would show as two. Only a hello read for its name is a selection.
 */
class SniObserverTest {
    private static final byte[] A_TEST = "a.test".getBytes(StandardCharsets.US_ASCII);

    private final Loopback loop = new Loopback();
    private final Recorder observed = new Recorder();

    @AfterEach
    void close() {
        loop.close();
    }

    /** What one observer was told, in order. */
    static final class Recorder implements TlsObserver {
        final List<TlsHandshakeEvent> handshakes = new CopyOnWriteArrayList<>();
        final List<Channel> handshakeChannels = new CopyOnWriteArrayList<>();
        final List<TlsServerContext> selections = new CopyOnWriteArrayList<>();

        @Override
        public void handshakeCompleted(Channel channel, TlsHandshakeEvent event) {
            handshakes.add(event);
            handshakeChannels.add(channel);
        }

        @Override
        public void sniSelected(Channel channel, String serverName, TlsServerContext context) {
            selections.add(context);
        }
    }

    private SniMapping mapping(boolean withDefault, ErrorTrap defaultTrap) throws TlsException {
        SniMapping.Builder b = SniMapping.builder().add("a.test", SniPki.options(SniPki.A_RSA).observer(observed).build());
        if (withDefault) {
            org.nettytls.TlsServerOptions.Builder d = SniPki.options(SniPki.DEFAULT_RSA).observer(observed);
            if (defaultTrap != null) {
                d.errorTrap(defaultTrap);
            }
            b.add(SniMapping.DEFAULT, d.build());
        }
        return b.build();
    }

    private SniPki.Server server(SniMapping mapping) {
        return new SniPki.Server(loop, mapping, SniSelectorOptions.builder().observer(observed).build());
    }

    /** The one observation of a connection, and the selector's completion event for it. */
    record Observed(TlsHandshakeEvent handshake, SniCompletionEvent completion, Side client) {
        /** The observation, after checking it is a failed server handshake with the event's code. */
        TlsHandshakeEvent failure() {
            assertFalse(handshake.isSuccess(), handshake::toString);
            assertFalse(handshake.isClient(), handshake::toString);
            assertFalse(completion.isSuccess(), completion::toString);
            assertEquals(completion.code(), handshake.code(), "the code the selector's event carries");
            return handshake;
        }
    }

    /** Sends {@code bytes} as a client, waits until the server closed the connection, and returns what it observed. */
    private Observed sendAndObserveOnce(SniPki.Server server, byte[] bytes) {
        Side client = loop.client(ch -> { }, server.port);
        client.channel.writeAndFlush(Unpooled.wrappedBuffer(bytes));
        SniPki.Events events = server.last();
        SniCompletionEvent completion = events.next(SniCompletionEvent.class);
        events.awaitClosed();
        // Every report happens on the event loop before the channel's close reaches the pipeline.
        assertEquals(1, observed.handshakes.size(), () -> "exactly one handshake observed: " + observed.handshakes);
        assertTrue(observed.handshakeChannels.get(0).parent() != null, "the server's connection is observed");
        return new Observed(observed.handshakes.get(0), completion, client);
    }

    private static byte[] twoNames() {
        return HelloShape.twoNames(A_TEST, new Random(Property.RUN_SEED)).wire;
    }

    private static byte[] plaintext() {
        return "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aNameReadAndChosenIsOneHandshakeAndOneSelection() throws Exception {
        SniMapping mapping = mapping(true, null);
        SniPki.Server server = server(mapping);
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(SniPki.CA.certificate()).build());
        Side side = loop.client(client, "a.test", server.port);
        assertNull(side.handshakeFailure());
        side.channel.close().syncUninterruptibly();
        server.last().awaitClosed();
        assertEquals(1, observed.handshakes.size(), observed.handshakes::toString);
        assertTrue(observed.handshakes.get(0).isSuccess(), observed.handshakes::toString);
        assertEquals(List.of(mapping.context("a.test")), observed.selections);
    }

    @Test
    void anUnknownNameWithoutADefaultIsOneRefusedHandshakeAndOneEmptySelection() throws Exception {
        SniPki.Server server = server(mapping(false, null));
        TlsHandshakeEvent e = sendAndObserveOnce(server,
                HelloShape.usual("nope.test".getBytes(StandardCharsets.US_ASCII), new Random(Property.RUN_SEED)).wire).failure();
        assertEquals(TlsErrorCode.UNRECOGNIZED_NAME, e.code());
        assertEquals(1, observed.selections.size());
        assertNull(observed.selections.get(0));
    }

    /** A hello the selector cannot read goes to the default's handler: its observer reports it, once; it is no selection. */
    @Test
    void aHelloHandedToTheDefaultIsOneHandshakeAndNoSelection() throws Exception {
        SniPki.Server server = server(mapping(true, null));
        TlsHandshakeEvent e = sendAndObserveOnce(server, twoNames()).failure();
        // BoringSSL answers decode_error without an error code (ClientHelloParityTest).
        assertEquals(TlsErrorCode.HANDSHAKE_FAILED, e.code(), e::toString);
        assertTrue(observed.selections.isEmpty(), "a hello handed over unread is no selection: " + observed.selections);
    }

    /** Plaintext without a trap on the default also goes to the default's handler, and fails there. */
    @Test
    void plaintextHandedToTheDefaultIsOneHandshakeAndNoSelection() throws Exception {
        SniPki.Server server = server(mapping(true, null));
        TlsHandshakeEvent e = sendAndObserveOnce(server, plaintext()).failure();
        assertEquals(TlsErrorCode.PLAINTEXT_ON_TLS_PORT, e.code(), e::toString);
        assertTrue(observed.selections.isEmpty(), observed.selections::toString);
    }

    /** Without a default, BoringSSL judges holding no certificate: no context observes that, so the selector reports it. */
    @Test
    void aHelloJudgedWithoutADefaultIsOneHandshakeAndNoSelection() throws Exception {
        SniPki.Server server = server(mapping(false, null));
        TlsHandshakeEvent e = sendAndObserveOnce(server, twoNames()).failure();
        assertEquals(TlsErrorCode.HANDSHAKE_FAILED, e.code(), e::toString);
        assertTrue(e.durationNanos() > 0, "timed from the connection's start: " + e);
        assertTrue(observed.selections.isEmpty(), observed.selections::toString);
    }

    @Test
    void plaintextJudgedWithoutADefaultIsOneHandshakeAndNoSelection() throws Exception {
        SniPki.Server server = server(mapping(false, null));
        TlsHandshakeEvent e = sendAndObserveOnce(server, plaintext()).failure();
        assertEquals(TlsErrorCode.PLAINTEXT_ON_TLS_PORT, e.code(), e::toString);
        assertTrue(e.durationNanos() > 0, "timed from the connection's start: " + e);
        assertTrue(observed.selections.isEmpty(), observed.selections::toString);
    }

    @Test
    void plaintextTakenByTheDefaultsTrapIsOneHandshakeAndNoSelection() throws Exception {
        AtomicInteger trapped = new AtomicInteger();
        SniPki.Server server = server(mapping(true, (ch, error) -> {
            trapped.incrementAndGet();
            PlainHttpAnswer.badRequest().trapped(ch, error);
        }));
        Observed o = sendAndObserveOnce(server, plaintext());
        TlsHandshakeEvent e = o.failure();
        assertEquals(TlsErrorCode.PLAINTEXT_ON_TLS_PORT, e.code(), e::toString);
        assertEquals(1, trapped.get());
        o.client().awaitClosed();
        assertTrue(o.client().received.toString().startsWith("HTTP/1.1 400"), o.client().received::toString);
        assertTrue(observed.selections.isEmpty(), observed.selections::toString);
    }

    /** A host_name with control bytes is refused by the selector itself, before any context sees it, even with a default. */
    @Test
    void aRefusedNameIsOneHandshakeAndNoSelection() throws Exception {
        SniPki.Server server = server(mapping(true, null));
        HelloShape shape = HelloShape.usual(HelloShape.CONTROL_NAME, new Random(Property.RUN_SEED));
        assertTrue(shape.refusedName);
        TlsHandshakeEvent e = sendAndObserveOnce(server, shape.wire).failure();
        assertEquals(TlsErrorCode.HANDSHAKE_FAILED, e.code(), e::toString);
        assertTrue(e.cause().getMessage().endsWith("sent illegal_parameter"), e::toString);
        assertTrue(observed.selections.isEmpty(), observed.selections::toString);
    }
}
