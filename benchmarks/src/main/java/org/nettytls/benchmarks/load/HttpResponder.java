package org.nettytls.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * The smallest HTTP/1.1 responder that wrk accepts, the same behind every JVM server compared:
 * {@code GET /1m} gets a 1 MiB body, anything else a 2-byte one; a request carrying
 * {@code Connection: close} is answered and the connection closed. It reads requests as a byte
 * stream (no decoder, no allocation per request) so that the TLS layers are what differs.
 */
final class HttpResponder extends ChannelInboundHandlerAdapter {
    private static final byte[] CLOSE = "connection: close".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf SMALL = response(2);
    private static final ByteBuf BIG = response(1 << 20);

    private int endMatched;
    private int closeMatched;
    private int position;
    private boolean big;

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
        boolean last = closeMatched == CLOSE.length;
        var written = ctx.write((big ? BIG : SMALL).duplicate());
        if (last) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        endMatched = 0;
        closeMatched = 0;
        position = 0;
        big = false;
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
