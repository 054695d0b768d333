package org.nettytls.examples.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Holds what a channel reads while its other half is not there yet: the client's first bytes
 * while the upstream connects, the upstream's while the client's handshake runs; {@link Relay#link}
 * takes it over. Also remembers whether the input ended.
 *
 * <p>The channel goes on reading meanwhile (turning reads off and on again costs two epoll_ctl
 * calls, or a cancelled and a new read on io_uring, per connection, and a loopback upstream is
 * usually connected before the client's next bytes come) until {@value #LIMIT} bytes wait here;
 * then it stops reading, so this holds at most that plus one read.
 */
final class PendingReads extends ChannelInboundHandlerAdapter {
    /** As much as waits for the upstream's connect: Netty's default high-water mark (the relay's own is larger). */
    static final int LIMIT = 64 * 1024;

    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private long heldBytes;
    private boolean inputEnded;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            held.add((ByteBuf) msg);
            heldBytes += ((ByteBuf) msg).readableBytes();
            if (heldBytes >= LIMIT) {
                ctx.channel().config().setAutoRead(false);
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (Relay.endsInput(evt)) {
            inputEnded = true;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    /** The held reads, oldest first; the caller owns them now. */
    ArrayDeque<ByteBuf> take() {
        ArrayDeque<ByteBuf> out = new ArrayDeque<>(held);
        held.clear();
        heldBytes = 0;
        return out;
    }

    boolean inputEnded() {
        return inputEnded;
    }

    private void release() {
        ByteBuf b;
        while ((b = held.poll()) != null) {
            b.release();
        }
    }
}
