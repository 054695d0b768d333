package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;

/**
 * {@link StartTlsServer} upgrades only at a safe point, against clients scripted to break it:
 * an upgrade command pipelined behind commands the application answers later (the answers must
 * all arrive in plaintext, before the positive reply, never inside TLS), and upgrade commands
 * hidden in data (SMTP DATA, IMAP and ManageSieve literals, SASL responses, NNTP articles, XMPP
 * stanzas and CDATA), which must reach the application as data and start nothing.
 */
class StartTlsSafePointTest {
    static TlsServerContext tls;
    static SSLContext jdk;

    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final BlockingQueue<String> seen = new LinkedBlockingQueue<>();

    @BeforeAll
    static void pki() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(ca).build();
        tls = TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial()).build());
        jdk = EnginePeer.jdkContext(ca, null);
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * The application behind StartTlsServer: greets with {@code greeting} and answers every frame
     * with what {@code answer} gives for its text ({@code null}: nothing), {@code delayMillis}
     * later, in order, as an application that looks things up elsewhere does; records every frame
     * it gets in {@link #seen}, and the upgrade.
     */
    int serve(StartTlsProtocol protocol, String greeting, long delayMillis, Function<String, String> answer) {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new StartTlsHandler(protocol.serverFraming()), new StartTlsServer(protocol, tls),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelActive(ChannelHandlerContext ctx) {
                                        if (greeting != null && delayMillis == 0) {
                                            send(ctx, greeting);
                                        } else if (greeting != null) {
                                            ctx.executor().schedule(() -> send(ctx, greeting), delayMillis, TimeUnit.MILLISECONDS);
                                        }
                                        ctx.fireChannelActive();
                                    }

                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        ByteBuf frame = (ByteBuf) msg;
                                        String text = frame.toString(StandardCharsets.ISO_8859_1);
                                        frame.release();
                                        seen.add(text);
                                        String reply = answer.apply(text);
                                        if (reply == null) {
                                            return;
                                        }
                                        if (delayMillis == 0) {
                                            send(ctx, reply);
                                        } else {
                                            ctx.executor().schedule(() -> send(ctx, reply), delayMillis, TimeUnit.MILLISECONDS);
                                        }
                                    }

                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt instanceof StartTlsEvent && ((StartTlsEvent) evt).isUpgrade()) {
                                            seen.add("event: " + evt);
                                        }
                                        ctx.fireUserEventTriggered(evt);
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    static void send(ChannelHandlerContext ctx, String text) {
        ctx.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    /** A protocol's earlier command, its answer, the upgrade command, the positive reply, and a probe inside TLS. */
    enum Pipelined {
        SMTP(StartTlsProtocol.SMTP, "220 hi\r\n", "RSET\r\n", "250 2.0.0 ACK-FOR RSET\r\n", "STARTTLS\r\n", "220 ",
                "NOOP\r\n", "250 NOOP"),
        IMAP(StartTlsProtocol.IMAP, "* OK hi\r\n", "x1 LIST \"\" *\r\n", "* ACK-FOR x1\r\nx1 OK LIST done\r\n", "a2 STARTTLS\r\n",
                "a2 OK", "a3 NOOP\r\n", "a3 OK NOOP"),
        POP3(StartTlsProtocol.POP3, "+OK hi\r\n", "STAT\r\n", "+OK 0 0 ACK-FOR STAT\r\n", "STLS\r\n", "+OK", "NOOP\r\n", "+OK NOOP"),
        FTP(StartTlsProtocol.FTP, "220 hi\r\n", "SYST\r\n", "215 ACK-FOR SYST\r\n", "AUTH TLS\r\n", "234 ", "NOOP\r\n", "200 NOOP"),
        NNTP(StartTlsProtocol.NNTP, "200 hi\r\n", "DATE\r\n", "111 20260101000000 ACK-FOR DATE\r\n", "STARTTLS\r\n", "382 ",
                "HELP\r\n", "100 HELP"),
        SIEVE(StartTlsProtocol.SIEVE, "\"STARTTLS\"\r\nOK \"hi\"\r\n", "CAPABILITY\r\n",
                "\"IMPLEMENTATION\" \"ACK-FOR CAPABILITY\"\r\nOK\r\n", "STARTTLS\r\n", "OK \"Begin", "NOOP\r\n", "OK NOOP");

        final StartTlsProtocol protocol;
        final String greeting;
        final String earlier;
        final String earlierAnswer;
        final String upgrade;
        final String positive;
        final String probe;
        final String probeAnswer;

        Pipelined(StartTlsProtocol protocol, String greeting, String earlier, String earlierAnswer, String upgrade,
                  String positive, String probe, String probeAnswer) {
            this.protocol = protocol;
            this.greeting = greeting;
            this.earlier = earlier;
            this.earlierAnswer = earlierAnswer;
            this.upgrade = upgrade;
            this.positive = positive;
            this.probe = probe;
            this.probeAnswer = probeAnswer;
        }

        String answer(String line) {
            if (line.equals(earlier)) {
                return earlierAnswer;
            }
            if (line.equals(probe)) {
                return probeAnswer + " done\r\n";
            }
            return null;
        }
    }

    @ParameterizedTest
    @EnumSource(Pipelined.class)
    void anUpgradeCommandBehindAnUnansweredOneWaitsForItsAnswer(Pipelined p) throws Exception {
        int port = serve(p.protocol, p.greeting, 200, p::answer);
        try (EnginePeer peer = EnginePeer.connect(port)) {
            assertEquals(p.greeting, peer.readPlainUntil(p.greeting));
            peer.writePlain(p.earlier + p.upgrade);
            // Every answer to the earlier command arrives in plaintext, and only then the positive reply.
            assertEquals(p.earlierAnswer, peer.readPlainUntil(p.earlierAnswer));
            String positive = peer.readPlainLine();
            assertTrue(positive.startsWith(p.positive), "expected the positive reply after the earlier answer, found " + positive);
            peer.startTls(jdk, true, "TLSv1.3");
            peer.writeTls(p.probe);
            // The first thing inside TLS answers the probe: nothing of the plaintext conversation.
            assertEquals(p.probeAnswer + " done", peer.readTlsLine().trim());
        }
    }

    @ParameterizedTest
    @EnumSource(Pipelined.class)
    void anUpgradeCommandAfterTheAnswersUpgradesAtOnce(Pipelined p) throws Exception {
        int port = serve(p.protocol, p.greeting, 0, p::answer);
        try (EnginePeer peer = EnginePeer.connect(port)) {
            peer.readPlainUntil(p.greeting);
            peer.writePlain(p.earlier);
            peer.readPlainUntil(p.earlierAnswer);
            peer.writePlain(p.upgrade);
            assertTrue(peer.readPlainLine().startsWith(p.positive));
            peer.startTls(jdk, true, "TLSv1.2");
            peer.writeTls(p.probe);
            assertEquals(p.probeAnswer + " done", peer.readTlsLine().trim());
        }
    }

    @Test
    void anUpgradeCommandBeforeTheGreetingWaitsForIt() throws Exception {
        int port = serve(StartTlsProtocol.SMTP, "220 hi\r\n", 200, Pipelined.SMTP::answer);
        try (EnginePeer peer = EnginePeer.connect(port)) {
            // An early talker: the greeting is still to come, so the positive reply must wait for it.
            peer.writePlain("STARTTLS\r\n");
            assertEquals("220 hi", peer.readPlainLine().trim());
            assertTrue(peer.readPlainLine().startsWith("220 2.0.0"));
            peer.startTls(jdk, true, "TLSv1.3");
            peer.writeTls("NOOP\r\n");
            assertEquals("250 NOOP done", peer.readTlsLine().trim());
        }
    }

    @Test
    void smtpStarttlsInsideMailIsMail() throws Exception {
        int port = serve(StartTlsProtocol.SMTP, "220 hi\r\n", 100, line -> line.startsWith("DATA") ? "354 go ahead\r\n"
                : line.equals(".\r\n") ? "250 queued\r\n" : line.startsWith("STARTTLS") || line.startsWith("Subject") || line.equals("\r\n") ? null
                : "250 ok\r\n");
        try (EnginePeer peer = EnginePeer.connect(port)) {
            peer.readPlainUntil("220 hi\r\n");
            peer.writePlain("MAIL FROM:<a@example.org>\r\n");
            peer.readPlainUntil("250 ok\r\n");
            peer.writePlain("RCPT TO:<b@example.org>\r\n");
            peer.readPlainUntil("250 ok\r\n");
            // Pipelined against RFC 2920 before the 354, then the command-like line inside the mail.
            peer.writePlain("DATA\r\nSubject: x\r\n\r\nSTARTTLS\r\n.\r\nNOOP\r\n");
            assertEquals("354 go ahead\r\n250 queued\r\n250 ok\r\n", peer.readPlainUntil("250 queued\r\n250 ok\r\n"));
            assertTrue(seen.contains("STARTTLS\r\n"), "the mail line reached the application: " + seen);
            assertTrue(seen.stream().noneMatch(s -> s.startsWith("event:")), "an upgrade inside DATA: " + seen);
            // After the dot the same line is the command again.
            peer.writePlain("STARTTLS\r\n");
            assertTrue(peer.readPlainLine().startsWith("220 2.0.0"));
        }
    }

    @Test
    void smtpStarttlsAsASaslResponseIsNoCommand() throws Exception {
        int port = serve(StartTlsProtocol.SMTP, "220 hi\r\n", 100, line -> line.startsWith("AUTH") ? "334 \r\n"
                : line.equals("STARTTLS\r\n") ? "535 5.7.8 not those credentials\r\n" : "250 ok\r\n");
        try (EnginePeer peer = EnginePeer.connect(port)) {
            peer.readPlainUntil("220 hi\r\n");
            peer.writePlain("AUTH LOGIN\r\nSTARTTLS\r\n");
            assertEquals("334 \r\n535 5.7.8 not those credentials\r\n", peer.readPlainUntil("credentials\r\n"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Literal.class)
    void imapStarttlsInsideALiteralIsData(Literal kind) throws Exception {
        String literal = "x STARTTLS\r\n";
        int port = serve(StartTlsProtocol.IMAP, "* OK hi\r\n", 100, line -> line.endsWith("{12}\r\n") ? "+ go ahead\r\n"
                : line.equals(")\r\n") ? "a1 OK APPEND done\r\n" : line.equals("a3 NOOP\r\n") ? "a3 OK NOOP done\r\n" : null);
        try (EnginePeer peer = EnginePeer.connect(port)) {
            peer.readPlainUntil("* OK hi\r\n");
            if (kind == Literal.SYNCHRONIZING) {
                // Hostile: the literal without waiting for the go-ahead; it must wait, then count as the literal.
                peer.writePlain("a1 APPEND inbox (\\Seen) {12}\r\n" + literal + ")\r\n");
                peer.readPlainUntil("+ go ahead\r\n");
            } else {
                peer.writePlain("a1 APPEND inbox (\\Seen) {12+}\r\n" + literal + ")\r\n");
            }
            peer.readPlainUntil("a1 OK APPEND done\r\n");
            assertTrue(seen.contains(literal), "the literal reached the application: " + seen);
            peer.writePlain("a3 NOOP\r\n");
            assertEquals("a3 OK NOOP done\r\n", peer.readPlainUntil("done\r\n"));
        }
    }

    enum Literal { SYNCHRONIZING, NON_SYNCHRONIZING }

    @Test
    void sieveStarttlsInsideALiteralIsData() throws Exception {
        int port = serve(StartTlsProtocol.SIEVE, "\"STARTTLS\"\r\nOK\r\n", 100, line -> line.equals("\r\n") ? "OK \"stored\"\r\n" : null);
        try (EnginePeer peer = EnginePeer.connect(port)) {
            peer.readPlainUntil("OK\r\n");
            peer.writePlain("PUTSCRIPT \"s\" {10+}\r\nSTARTTLS\r\n\r\n");
            assertEquals("OK \"stored\"\r\n", peer.readPlainUntil("\r\n"));
            assertTrue(seen.contains("STARTTLS\r\n"), "the script reached the application: " + seen);
            peer.writePlain("STARTTLS\r\n");
            assertTrue(peer.readPlainLine().startsWith("OK \"Begin"));
        }
    }

    @Test
    void nntpStarttlsInsideAnArticleIsData() throws Exception {
        int port = serve(StartTlsProtocol.NNTP, "200 hi\r\n", 100, line -> line.equals("POST\r\n") ? "340 send it\r\n"
                : line.equals(".\r\n") ? "240 posted\r\n" : null);
        try (EnginePeer peer = EnginePeer.connect(port)) {
            peer.readPlainUntil("200 hi\r\n");
            peer.writePlain("POST\r\nSubject: x\r\n\r\nSTARTTLS\r\n.\r\n");
            assertEquals("340 send it\r\n240 posted\r\n", peer.readPlainUntil("240 posted\r\n"));
            assertTrue(seen.contains("STARTTLS\r\n"), "the article reached the application: " + seen);
        }
    }

    @Test
    void pop3StlsAsASaslResponseIsNoCommand() throws Exception {
        int port = serve(StartTlsProtocol.POP3, "+OK hi\r\n", 100, line -> line.startsWith("AUTH") ? "+ \r\n"
                : line.equals("STLS\r\n") ? "-ERR not those credentials\r\n" : null);
        try (EnginePeer peer = EnginePeer.connect(port)) {
            peer.readPlainUntil("+OK hi\r\n");
            peer.writePlain("AUTH PLAIN\r\nSTLS\r\n");
            assertEquals("+ \r\n-ERR not those credentials\r\n", peer.readPlainUntil("credentials\r\n"));
        }
    }

    @Test
    void afterAuthenticationTheUpgradeCommandIsTheApplications() throws Exception {
        int pop3 = serve(StartTlsProtocol.POP3, "+OK hi\r\n", 0, line -> line.startsWith("PASS") ? "+OK logged in\r\n"
                : line.startsWith("USER") ? "+OK\r\n" : line.equals("STLS\r\n") ? "-ERR not in the TRANSACTION state\r\n" : null);
        try (EnginePeer peer = EnginePeer.connect(pop3)) {
            peer.readPlainUntil("+OK hi\r\n");
            peer.writePlain("USER a\r\nPASS b\r\n");
            peer.readPlainUntil("+OK logged in\r\n");
            peer.writePlain("STLS\r\n");
            assertEquals("-ERR not in the TRANSACTION state", peer.readPlainLine().trim());
        }
        int imap = serve(StartTlsProtocol.IMAP, "* PREAUTH welcome\r\n", 0, line -> line.equals("a1 STARTTLS\r\n")
                ? "a1 BAD already authenticated\r\n" : null);
        try (EnginePeer peer = EnginePeer.connect(imap)) {
            peer.readPlainUntil("welcome\r\n");
            peer.writePlain("a1 STARTTLS\r\n");
            assertEquals("a1 BAD already authenticated", peer.readPlainLine().trim());
        }
    }

    static final String STREAM = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";
    static final String FEATURES = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
            + "from='localhost' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>";
    static final String STARTTLS = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

    int xmppServer() {
        return serve(StartTlsProtocol.XMPP, null, 200, text -> text.contains("<stream:stream") ? FEATURES : null);
    }

    @Test
    void xmppStarttlsBeforeTheFeaturesWaitsForThem() throws Exception {
        try (EnginePeer peer = EnginePeer.connect(xmppServer())) {
            peer.writePlain(STREAM + STARTTLS);
            assertEquals(FEATURES, peer.readPlainUntil("</stream:features>"));
            assertEquals("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", peer.readPlainUntil("/>"));
        }
    }

    @Test
    void xmppStarttlsInsideAStanzaOrCdataIsData() throws Exception {
        try (EnginePeer peer = EnginePeer.connect(xmppServer())) {
            peer.writePlain(STREAM);
            peer.readPlainUntil("</stream:features>");
            peer.writePlain("<message to='a>b'><body><![CDATA[ " + STARTTLS + " ]]></body>" + STARTTLS + "</message>");
            peer.writePlain("<iq type='get' id='1'/>");
            Thread.sleep(300);
            assertEquals("", peer.unreadRaw(), "the server answered something");
            assertTrue(seen.stream().anyMatch(s -> s.contains("<starttls")), "the stanza reached the application: " + seen);
            // After a stanza, RFC 6120 has no place for <starttls/>: refused, and the stream ends.
            peer.writePlain(STARTTLS);
            assertEquals("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>", peer.drainUntilClosed());
        }
    }

    static byte[] bytes(ByteBuf b) {
        try {
            byte[] out = new byte[b.readableBytes()];
            b.getBytes(b.readerIndex(), out);
            return out;
        } finally {
            b.release();
        }
    }

    /** A SearchRequest with messageID 1 (its contents do not matter here). */
    static final byte[] SEARCH = {0x30, 0x0b, 0x02, 0x01, 0x01, 0x63, 0x06, 0x04, 0x00, 0x0a, 0x01, 0x00, 0x01};
    /** Its SearchResultDone. */
    static final String SEARCH_DONE = new String(new byte[] {0x30, 0x0c, 0x02, 0x01, 0x01, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00,
        0x04, 0x00}, StandardCharsets.ISO_8859_1);

    @Test
    void ldapStartTlsWithAnOperationOutstandingIsRefusedWithOperationsError() throws Exception {
        int port = serve(StartTlsProtocol.LDAP, null, 300, text -> text.charAt(5) == 0x63 ? SEARCH_DONE : null);
        try (EnginePeer peer = EnginePeer.connect(port)) {
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(SEARCH);
            byte[] startTls = bytes(Ldap.startTlsRequest(ByteBufAllocator.DEFAULT, 2));
            both.writeBytes(startTls);
            peer.writeRaw(both.toByteArray());
            // RFC 4513 section 3.1.1: operationsError (1), at once, before the search's own answer.
            byte[] refusal = bytes(Ldap.startTlsResponse(ByteBufAllocator.DEFAULT, 2, 1,
                    "StartTLS while other operations are outstanding or a SASL bind is in progress (RFC 4513 section 3.1.1)"));
            byte[] first = peer.readRaw(refusal.length);
            assertEquals(1, Ldap.extendedResultCode(Unpooled.wrappedBuffer(first), 2));
            assertEquals(SEARCH_DONE, new String(peer.readRaw(SEARCH_DONE.length()), StandardCharsets.ISO_8859_1));
            // With nothing outstanding the same request upgrades.
            peer.writeRaw(bytes(Ldap.startTlsRequest(ByteBufAllocator.DEFAULT, 3)));
            byte[] ok = peer.readRaw(bytes(Ldap.startTlsResponse(ByteBufAllocator.DEFAULT, 3, 0, "")).length);
            assertEquals(0, Ldap.extendedResultCode(Unpooled.wrappedBuffer(ok), 3));
            peer.startTls(jdk, true, "TLSv1.3");
        }
    }

    @Test
    void postgresSslRequestCountsOnlyAsTheFirstMessage() throws Exception {
        int port = serve(StartTlsProtocol.POSTGRES, null, 0, text -> "E");
        try (EnginePeer peer = EnginePeer.connect(port)) {
            peer.writeRaw(java.nio.ByteBuffer.allocate(8).putInt(8).putInt(196608).array());
            assertEquals("E", new String(peer.readRaw(1), StandardCharsets.ISO_8859_1));
            // After the StartupMessage, a message whose body is the SSLRequest code is just a message.
            peer.writeRaw(new byte[] {'p', 0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
            assertEquals("E", new String(peer.readRaw(1), StandardCharsets.ISO_8859_1));
            assertEquals(2, seen.size(), "both messages reached the application: " + seen);
        }
    }
}
