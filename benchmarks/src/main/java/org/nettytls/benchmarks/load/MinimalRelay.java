package org.nettytls.benchmarks.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * The relay baseline of the load harness: the obvious minimal TLS-terminating relay in plain
 * Netty, to show what {@code serve --upstream} costs on top of it. Netty's {@code SslHandler},
 * the upstream connected on the client's event loop when the client connects (the client is not
 * read until then), each read written to the other side and flushed once per read batch, and
 * auto-read turned off while the other side is not writable, with the write-buffer marks
 * {@code serve --upstream}'s relay uses (128/256 KiB; Netty's 32/64 KiB cost a bulk relay 10-18%
 * more CPU per byte), so that the comparison is of code, not of a setting. No half-close, no PROXY
 * header, no log line, no upstream TLS: a close on either side closes both.
 */
final class MinimalRelay {
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 256 * 1024);

    private MinimalRelay() {
    }

    /** The child pipeline: {@code ssl}'s handler, then the relay to 127.0.0.1:{@code upstreamPort}. */
    static Consumer<SocketChannel> pipeline(SslContext ssl, int upstreamPort) {
        InetSocketAddress upstream = new InetSocketAddress("127.0.0.1", upstreamPort);
        return ch -> {
            ch.config().setAutoRead(false);
            ch.config().setWriteBufferWaterMark(WATER_MARK);
            ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new Frontend(upstream));
        };
    }

    /** Relays what its channel reads to {@code peer}, with backpressure; closes {@code peer} when its own channel closes. */
    private static class Pipe extends ChannelInboundHandlerAdapter {
        Channel peer;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (peer.write(msg).isDone() && !peer.isActive()) {
                ctx.close();
            }
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // This channel drained: its peer may read again.
            if (ctx.channel().isWritable() && peer != null) {
                peer.config().setAutoRead(true);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer != null && peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The client's end: connects the upstream when the client connects, and reads the client once it is there. */
    private static final class Frontend extends Pipe {
        private final InetSocketAddress upstream;

        Frontend(InetSocketAddress upstream) {
            this.upstream = upstream;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            Pipe back = new Pipe();
            back.peer = client;
            new Bootstrap().group(client.eventLoop()).channel(LoadServer.TRANSPORT.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .handler(back)
                    .connect(upstream).addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            peer = f.channel();
                            client.config().setAutoRead(true);
                        } else {
                            client.close();
                        }
                    });
            ctx.fireChannelActive();
        }
    }
}
