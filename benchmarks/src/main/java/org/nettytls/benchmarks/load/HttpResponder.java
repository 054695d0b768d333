package org.nettytls.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * The smallest HTTP/1.1 responder that wrk accepts, the same behind every JVM server compared:
 * {@code GET /1m} gets a 1 MiB body, {@code GET /stream} an endless body written as 16 KiB
 * writes (one TLS record each, {@value #IN_FLIGHT} in flight, the next when one is on the wire:
 * the bulk case of {@link LoadClient}), anything else a 2-byte one; a request carrying
 * {@code Connection: close} is answered and the connection closed. It reads requests as a byte
 * stream (no decoder, no allocation per request) so that the TLS layers are what differs.
 */
final class HttpResponder extends ChannelInboundHandlerAdapter {
    private static final byte[] CLOSE = "connection: close".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf SMALL = response(2);
    private static final ByteBuf BIG = response(1 << 20);
    private static final ByteBuf STREAM_HEAD = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n".getBytes(StandardCharsets.US_ASCII))
            .asReadOnly());
    /** 16 KiB: the largest TLS record's plaintext, so that every write is one full record. */
    private static final ByteBuf RECORD = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(16384).writeZero(16384).asReadOnly());
    private static final int IN_FLIGHT = 4;

    private int endMatched;
    private int closeMatched;
    private int position;
    private boolean big;
    private boolean stream;

    private static ByteBuf response(int length) {
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.directBuffer(head.length + length);
        b.writeBytes(head);
        for (int i = 0; i < length; i++) {
            b.writeByte('x');
        }
        return Unpooled.unreleasableBuffer(b.asReadOnly());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
                byte b = in.getByte(i);
                if (position >= 4 && position <= 6) {
                    big = position == 4 ? b == '/' : big && b == (position == 5 ? '1' : 'm');
                    stream = position == 4 ? b == '/' : stream && b == (position == 5 ? 's' : 't');
                }
                position++;
                byte lower = b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
                if (closeMatched < CLOSE.length) {
                    closeMatched = lower == CLOSE[closeMatched] ? closeMatched + 1 : lower == 'c' ? 1 : 0;
                }
                endMatched = b == (endMatched % 2 == 0 ? '\r' : '\n') ? endMatched + 1 : b == '\r' ? 1 : 0;
                if (endMatched == 4) {
                    respond(ctx);
                }
            }
        } finally {
            in.release();
        }
    }

    private void respond(ChannelHandlerContext ctx) {
        if (stream) {
            ctx.write(STREAM_HEAD.duplicate());
            for (int i = 0; i < IN_FLIGHT; i++) {
                pump(ctx);
            }
            return;
        }
        boolean last = closeMatched == CLOSE.length;
        var written = ctx.write((big ? BIG : SMALL).duplicate());
        if (last) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        endMatched = 0;
        closeMatched = 0;
        position = 0;
        big = false;
        stream = false;
    }

    /** One record; when it is written, the next, until the client closes. */
    private static void pump(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(RECORD.duplicate()).addListener(f -> {
            if (f.isSuccess()) {
                pump(ctx);
            }
        });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
