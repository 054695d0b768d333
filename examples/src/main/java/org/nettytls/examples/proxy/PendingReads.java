package org.nettytls.examples.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Holds what a channel reads while its other half is not there yet: the client's first bytes
 * while the upstream connects, the upstream's while the client's handshake runs. The channel
 * does not auto-read meanwhile, so this is at most what one read brought; {@link Relay#link}
 * takes it over. Also remembers whether the input ended.
 */
final class PendingReads extends ChannelInboundHandlerAdapter {
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private boolean inputEnded;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            held.add((ByteBuf) msg);
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
