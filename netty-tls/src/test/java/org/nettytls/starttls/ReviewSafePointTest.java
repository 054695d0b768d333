package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;

/**
 * Review of issue #16: {@link StartTlsServer} must never let an answer to a plaintext command
 * arrive inside TLS. The application here answers only when the test says so (as one that looks
 * things up elsewhere does), on an {@link EmbeddedChannel}; an answer written once the
 * {@code SslHandler} is in the pipeline would be sent inside TLS.
 */
class ReviewSafePointTest {
    static TlsServerContext tls;

    private EmbeddedChannel ch;
    private App app;

    @BeforeAll
    static void pki() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Review CA").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
        tls = TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial()).build());
    }

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    /** Records the frames it gets; answers when told to, and notes whether TLS was on by then. */
    static final class App extends ChannelInboundHandlerAdapter {
        final List<byte[]> frames = new ArrayList<>();
        final List<String> answeredInsideTls = new ArrayList<>();
        ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            frames.add(bytes);
        }

        void answer(byte[] bytes, String what) {
            if (ctx.pipeline().get(SslHandler.class) != null) {
                answeredInsideTls.add(what);
            }
            ctx.writeAndFlush(Unpooled.wrappedBuffer(bytes));
        }

        void answer(String text) {
            answer(text.getBytes(StandardCharsets.ISO_8859_1), text);
        }
    }

    private void open(StartTlsProtocol protocol) {
        app = new App();
        ch = new EmbeddedChannel(new StartTlsHandler(protocol.serverFraming()), new StartTlsServer(protocol, tls), app);
    }

    private void in(byte[] bytes) {
        if (ch.isOpen()) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        }
        ch.runPendingTasks();
    }

    private void in(String text) {
        in(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Everything the server sent so far in plaintext (before any SslHandler output). */
    private String out() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (Object m; (m = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) m;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            o.writeBytes(bytes);
        }
        return o.toString(StandardCharsets.ISO_8859_1);
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** A SearchRequest with messageID {@code id} (its contents do not matter to the dialog). */
    static byte[] search(int id) {
        return new byte[] {0x30, 0x0b, 0x02, 0x01, (byte) id, 0x63, 0x06, 0x04, 0x00, 0x0a, 0x01, 0x00, 0x01};
    }

    /** Its SearchResultDone. */
    static byte[] searchDone(int id) {
        return new byte[] {0x30, 0x0c, 0x02, 0x01, (byte) id, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00};
    }

    /** An AbandonRequest (messageID {@code id}) for the operation {@code abandoned}. */
    static byte[] abandon(int id, int abandoned) {
        return new byte[] {0x30, 0x06, 0x02, 0x01, (byte) id, 0x50, 0x01, (byte) abandoned};
    }

    static byte[] startTls(int id) {
        return ReviewSafePointTestBytes.bytes(Ldap.startTlsRequest(ByteBufAllocator.DEFAULT, id));
    }

    /**
     * RFC 4511 section 4.11: a server MAY abandon an operation; one that does not still answers
     * it. An AbandonRequest therefore does not end an operation: a StartTLS behind it must be
     * refused (or wait), not upgraded with the search's answer still to come inside TLS.
     */
    @Test
    void ldapAbandonDoesNotMakeAnOutstandingOperationAnswered() {
        open(StartTlsProtocol.LDAP);
        in(cat(search(7), abandon(8, 7), startTls(9)));
        String sent = out();
        // The application has not answered the search yet; it does now, as a server that does
        // not honour the abandon does.
        app.answer(searchDone(7), "SearchResultDone for 7");
        assertEquals(List.of(), app.answeredInsideTls, "an answer to a plaintext operation went out inside TLS"
                + " (the positive StartTLS reply went first: " + (Ldap.extendedResultCode(Unpooled.wrappedBuffer(
                        sent.getBytes(StandardCharsets.ISO_8859_1)), 9) == 0) + ")");
    }

    /**
     * Two requests with one messageID (RFC 4511 forbids it; an injecting attacker does not care):
     * one answer must not count for both.
     */
    @Test
    void ldapTwoRequestsWithOneMessageIdNeedTwoAnswers() {
        open(StartTlsProtocol.LDAP);
        in(cat(search(7), search(7)));
        app.answer(searchDone(7), "first SearchResultDone for 7");
        in(startTls(9));
        out();
        app.answer(searchDone(7), "second SearchResultDone for 7");
        assertEquals(List.of(), app.answeredInsideTls, "an answer to a plaintext operation went out inside TLS");
    }
}

final class ReviewSafePointTestBytes {
    private ReviewSafePointTestBytes() {
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
}
