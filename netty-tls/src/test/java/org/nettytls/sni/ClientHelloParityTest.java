package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsFailureEvent;
import org.nettytls.TlsServerContext;
import org.nettytls.fuzz.Property;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.testing.Loopback;

/**
 * The selector answers every ClientHello as BoringSSL does: hostile and unusual hellos
 * ({@link HelloShape}: the kinds of tlsfuzzer's ClientHello scripts, generated with random content
 * and cut into random records and reads) go to a plain {@code SslHandler} and to the
 * {@link SniCertSelector} in the same test, and both must send the same alert bytes, both a
 * ServerHello, or both wait until the same handshake timeout.
 *
 * <p>The one deliberate difference: a host_name with control or non-ASCII bytes, which BoringSSL
 * would take, is refused with illegal_parameter (RFC 6066 3) before BoringSSL sees the hello, so
 * it wins over whatever else BoringSSL would have said about that hello.
 */
class ClientHelloParityTest {
    private static final String ILLEGAL_PARAMETER = "alert 1503010002022f closed";

    private final Loopback loop = new Loopback();

    @AfterEach
    void close() {
        loop.close();
    }

    private static TlsServerContext defaultContext() throws TlsException {
        return TlsServerContext.create(SniPki.options(SniPki.DEFAULT_RSA).build());
    }

    /**
     * a.test and the default, both RSA like the plain server's certificate: which certificate a
     * hello gets may decide a handshake (a client offering only ECDSA suites), and that choice is
     * the selector's job; the comparison is about everything else.
     */
    private static SniMapping mapping(boolean withDefault) throws TlsException {
        SniMapping.Builder b = SniMapping.builder().add("a.test", SniPki.options(SniPki.A_RSA).build());
        if (withDefault) {
            b.add(SniMapping.DEFAULT, SniPki.options(SniPki.DEFAULT_RSA).build());
        }
        return b.build();
    }


    /** Both outcomes for {@code shape}: the same wire, or the selector's deliberate refusal of the name; events that say why. */
    private static void assertSameAnswer(HelloParity.Server plain, HelloParity.Server selector, HelloShape shape) {
        HelloParity.Outcome p = plain.run(shape.reads);
        HelloParity.Outcome s = selector.run(shape.reads);
        String context = shape.show() + "\n plain:    " + p + "\n selector: " + s;
        if (shape.refusedName && !p.wire.equals(s.wire)) {
            assertEquals(ILLEGAL_PARAMETER, s.wire, context);
            assertTrue(s.event(SniCompletionEvent.class).cause().getMessage().contains(shape.escaped()), context);
            return;
        }
        if (shape.refusedName && shape.kind == HelloShape.Kind.USUAL) {
            assertEquals(ILLEGAL_PARAMETER, s.wire, context);
        }
        assertEquals(p.wire, s.wire, context);
        TlsFailureEvent plainFailure = p.event(TlsFailureEvent.class);
        SniCompletionEvent selected = s.event(SniCompletionEvent.class);
        if (plainFailure != null) {
            assertNotNull(selected, context);
            assertFalse(selected.isSuccess(), context);
            assertEquals(plainFailure.cause().code(), selected.code(), "the same stable code\n" + context);
            assertFalse(selected.cause().getMessage().contains("invalid library"), context);
        }
    }

    @Test
    void generatedHellosGetBoringSslsAnswer() throws Exception {
        HelloParity.Server plain = HelloParity.plain(defaultContext());
        HelloParity.Server selector = HelloParity.selector(mapping(true), SniSelectorOptions.DEFAULTS);
        Property.forAll("ClientHello parity with plain BoringSSL", HelloShape::next).tries(250).show(HelloShape::show)
                .check(shape -> assertSameAnswer(plain, selector, shape));
    }

    /** Each kind at least three times a run, whatever the property drew. */
    @Test
    void everyKindGetsBoringSslsAnswer() throws Exception {
        HelloParity.Server plain = HelloParity.plain(defaultContext());
        HelloParity.Server selector = HelloParity.selector(mapping(true), SniSelectorOptions.DEFAULTS);
        Random r = new Random(Property.RUN_SEED);
        for (HelloShape.Kind kind : HelloShape.Kind.values()) {
            for (int i = 0; i < 3; i++) {
                assertSameAnswer(plain, selector, HelloShape.of(kind, r));
            }
        }
    }

    @Test
    void everyFieldCutAndEveryLengthOffByOneGetBoringSslsAnswer() throws Exception {
        HelloParity.Server plain = HelloParity.plain(defaultContext());
        HelloParity.Server selector = HelloParity.selector(mapping(true), SniSelectorOptions.DEFAULTS);
        List<HelloShape> shapes = HelloShape.everyCutAndLength(new Random(Property.RUN_SEED));
        // Not vacuous: every prefix of the hello alone is over 100 variants, whatever extensions the seed drew
        // (their number, and so the count, varies with the seed: 194 to several hundred).
        assertTrue(shapes.size() > 100, "only " + shapes.size() + " variants");
        for (HelloShape shape : shapes) {
            assertSameAnswer(plain, selector, shape);
        }
    }

    /**
     * Without a default certificate, a hello the selector cannot read is judged by a BoringSSL
     * holding no certificate: the same alert or wait as a plain server. A hello it read that names
     * no server it has a certificate for is refused with unrecognized_name at once (the choice of
     * certificate is the selector's, and there is none to choose); one it could not read that
     * BoringSSL reads up to choosing a certificate ends there, in BoringSSL's internal_error, so
     * what a plain server decides after that point (a ServerHello, no shared cipher) is not said.
     */
    @Test
    void withoutADefaultBoringSslStillJudges() throws Exception {
        HelloParity.Server plain = HelloParity.plain(defaultContext());
        HelloParity.Server selector = HelloParity.selector(mapping(false), SniSelectorOptions.DEFAULTS);
        Property.forAll("ClientHello parity without a default certificate", HelloShape::next).tries(120).show(HelloShape::show)
                .check(shape -> {
                    HelloParity.Outcome p = plain.run(shape.reads);
                    HelloParity.Outcome s = selector.run(shape.reads);
                    String context = shape.show() + "\n plain:    " + p + "\n selector: " + s;
                    if (p.wire.equals(s.wire) || shape.refusedName && s.wire.equals(ILLEGAL_PARAMETER)) {
                        return;
                    }
                    if (s.wire.equals("alert 15030300020270 closed")) {
                        SniCompletionEvent e = s.event(SniCompletionEvent.class);
                        assertEquals(TlsErrorCode.UNRECOGNIZED_NAME, e.code(), context);
                        assertFalse("a.test".equals(e.serverName()), context);
                        return;
                    }
                    // Decided after BoringSSL chose a certificate: a ServerHello, or handshake_failure (no shared cipher or signature scheme).
                    assertTrue(p.wire.startsWith("ServerHello") || p.wire.equals("alert 15030300020228 closed"), context);
                    assertEquals("alert 15030300020250 closed", s.wire, context);
                });
    }

    /** A STARTTLS server that upgrades with an SNI lookup answers as one that upgrades with one certificate. */
    @Test
    void startTlsUpgradesWithAnSniLookupGetBoringSslsAnswer() throws Exception {
        TlsServerContext context = defaultContext();
        SniMapping mapping = mapping(true);
        HelloParity.Server plain = new HelloParity.Server(ch -> {
            StartTlsHandler h = new StartTlsHandler(Framing.lines());
            ch.pipeline().addLast(h);
            h.startServer(context, null);
        });
        HelloParity.Server selector = new HelloParity.Server(ch -> {
            StartTlsHandler h = new StartTlsHandler(Framing.lines());
            ch.pipeline().addLast(h);
            h.startServer(mapping, SniSelectorOptions.DEFAULTS, null);
        });
        Property.forAll("STARTTLS ClientHello parity", HelloShape::next).tries(80).show(HelloShape::show).check(shape -> {
            HelloParity.Outcome p = plain.run(shape.reads);
            HelloParity.Outcome s = selector.run(shape.reads);
            String why = shape.show() + "\n plain:    " + p + "\n selector: " + s;
            assertTrue(p.wire.equals(s.wire) || shape.refusedName && s.wire.equals(ILLEGAL_PARAMETER), why);
        });
    }

    /**
     * The wait is the same however late the hello comes: its first half at once, the rest after
     * 6 s, then nothing: a plain server closes at its handshake timeout from the connection's
     * start, and so does the selector (the handler it installs gets only what is left).
     */
    @Test
    void aLateHelloStillEndsAtTheHandshakeTimeoutFromTheStart() throws Exception {
        HelloShape shape = HelloShape.usual("a.test".getBytes(java.nio.charset.StandardCharsets.US_ASCII), new Random(Property.RUN_SEED));
        byte[] wire = shape.wire;
        for (java.util.function.Consumer<io.netty.channel.embedded.EmbeddedChannel> setup : List.<java.util.function.Consumer<io.netty.channel.embedded.EmbeddedChannel>>of(
                ch -> {
                    try {
                        defaultContext().install(ch.pipeline());
                    } catch (TlsException e) {
                        throw new IllegalStateException(e);
                    }
                },
                ch -> {
                    try {
                        SniCertSelector.install(ch.pipeline(), mapping(true), SniSelectorOptions.DEFAULTS);
                    } catch (TlsException e) {
                        throw new IllegalStateException(e);
                    }
                })) {
            io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel();
            ch.freezeTime();
            setup.accept(ch);
            try {
                ch.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(wire, 0, wire.length / 2));
                ch.advanceTimeBy(6, java.util.concurrent.TimeUnit.SECONDS);
                ch.runScheduledPendingTasks();
                ch.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(wire, wire.length / 2, wire.length - wire.length / 2));
                ch.runPendingTasks();
                assertTrue(ch.isOpen());
                ch.advanceTimeBy(HelloParity.TIMEOUT_MILLIS - 6_000 - 500, java.util.concurrent.TimeUnit.MILLISECONDS);
                ch.runScheduledPendingTasks();
                assertTrue(ch.isOpen(), "closed before the handshake timeout");
                ch.advanceTimeBy(1, java.util.concurrent.TimeUnit.SECONDS);
                ch.runScheduledPendingTasks();
                ch.runPendingTasks();
                assertFalse(ch.isOpen(), "still open after the handshake timeout");
            } finally {
                ch.finishAndReleaseAll();
            }
        }
    }

    @Test
    void aNameWithControlBytesIsRefusedWithIllegalParameterAndShownEscaped() throws Exception {
        HelloParity.Server selector = HelloParity.selector(mapping(true), SniSelectorOptions.DEFAULTS);
        HelloShape shape;
        Random r = new Random(Property.RUN_SEED);
        do {
            shape = HelloShape.of(HelloShape.Kind.USUAL, r);
        } while (!shape.refusedName || shape.name != HelloShape.CONTROL_NAME);
        HelloParity.Outcome s = selector.run(shape.reads);
        assertEquals(ILLEGAL_PARAMETER, s.wire);
        SniCompletionEvent e = s.event(SniCompletionEvent.class);
        assertEquals(TlsErrorCode.HANDSHAKE_FAILED, e.code());
        assertEquals("a\\x1b[31m.test", e.requestedName());
        assertEquals("'a\\x1b[31m.test'", e.describeName());
        assertTrue(e.cause().getMessage().contains("names the server 'a\\x1b[31m.test', with control or non-ASCII bytes"), e::toString);
        assertTrue(e.cause().getMessage().endsWith("sent illegal_parameter"), e::toString);
        assertFalse(e.toString().contains("\u001b"), "the raw escape byte reached the event's text");
    }

    /** BoringSSL refuses a server_name list of two names with an alert and no error code: the event says what it refused. */
    @Test
    void whatBoringSslRefusedWithoutAnErrorCodeIsSaid() throws Exception {
        HelloParity.Server selector = HelloParity.selector(mapping(true), SniSelectorOptions.DEFAULTS);
        Random r = new Random(Property.RUN_SEED);
        for (int i = 0; i < 40; i++) {
            HelloShape shape = HelloShape.of(HelloShape.Kind.ODD_SERVER_NAME, r);
            HelloParity.Outcome s = selector.run(shape.reads);
            SniCompletionEvent e = s.event(SniCompletionEvent.class);
            if (e == null || e.isSuccess()) {
                continue;
            }
            String m = e.cause().getMessage();
            assertFalse(m.contains("invalid library"), m);
            TlsFailureEvent f = s.event(TlsFailureEvent.class);
            assertFalse(f.cause().getMessage().contains("invalid library"), f::toString);
            if (f.cause().getMessage().contains("without an error code")) {
                assertEquals(TlsErrorCode.HANDSHAKE_FAILED, f.cause().code(), f::toString);
            }
            if (s.wire.contains("alert 15030100020232") || s.wire.contains("alert 15030100020270")) {
                assertTrue(m.startsWith("the client sent a ClientHello that "), m);
                assertTrue(m.contains("BoringSSL answers decode_error") || m.contains("BoringSSL answers unrecognized_name"), m);
            }
        }
    }

    /**
     * On real sockets: hostile hellos written one byte per TCP segment, and in one write, get from
     * the selector the bytes a plain server on the same BoringSSL sends before it closes.
     */
    @Test
    void onRealSocketsTheSameBytesArriveBeforeTheClose() throws Exception {
        int plainPort = loop.server(defaultContext(), side -> { });
        int selectorPort = new SniPki.Server(loop, mapping(true), SniSelectorOptions.DEFAULTS).port;
        Random r = new Random(Property.RUN_SEED);
        HelloParity.Server embedded = HelloParity.plain(defaultContext());
        int checked = 0;
        for (int i = 0; i < 60 && checked < 8; i++) {
            HelloShape shape = HelloShape.next(r);
            if (shape.refusedName || shape.wire.length > 4000 || !embedded.run(shape.reads).wire.startsWith("alert")) {
                continue;
            }
            boolean trickle = checked % 2 == 0;
            byte[] fromPlain = exchange(plainPort, shape.wire, trickle);
            byte[] fromSelector = exchange(selectorPort, shape.wire, trickle);
            assertEquals(HelloParity.describe(fromPlain), HelloParity.describe(fromSelector), shape.show());
            assertTrue(fromPlain.length > 0, "no alert on the socket: " + shape.show());
            checked++;
        }
        assertTrue(checked >= 4, "only " + checked + " hostile hellos tried on sockets");
    }

    /** Writes {@code wire} (byte by byte, Nagle off, when {@code trickle}) and reads until the server closes. */
    private static byte[] exchange(int port, byte[] wire, boolean trickle) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            try {
                if (trickle) {
                    // Stop once the server has answered: bytes it never reads would turn its close into a reset.
                    for (int i = 0; i < wire.length && s.getInputStream().available() == 0; i++) {
                        out.write(wire[i]);
                        out.flush();
                    }
                } else {
                    out.write(wire);
                }
            } catch (SocketException closedEarly) {
                // The server answered and closed before the last byte: what it sent is still to read.
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            try {
                for (int b; (b = in.read()) >= 0; ) {
                    got.write(b);
                }
            } catch (SocketException reset) {
                // Closed with bytes unread: a reset after the alert.
            }
            return got.toByteArray();
        }
    }
}
