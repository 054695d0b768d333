package org.nettytls.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.socket.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;

/** The requests {@link LoadClient} sends and the bootstrap every case connects with. */
final class Requests {
    /** A 2-byte answer, then the server closes: one full exchange per connection. */
    static final ByteBuf CLOSE = request("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    /** A 2-byte answer on a connection that stays open (the idle case). */
    static final ByteBuf KEEP = request("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    /** An endless body of 16 KiB records (the bulk case). */
    static final ByteBuf STREAM = request("GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n");

    private Requests() {
    }

    private static ByteBuf request(String text) {
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII))
                .asReadOnly());
    }

    /**
     * A connection's last handler: sends its request as soon as the connection is up (the
     * {@code SslHandler} before it holds the request until the handshake is done).
     */
    abstract static class Sender extends ChannelInboundHandlerAdapter {
        private final ByteBuf request;

        Sender(ByteBuf request) {
            this.request = request;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(request.duplicate());
            ctx.fireChannelActive();
        }
    }

    /**
     * A bootstrap to 127.0.0.1 whose every connection gets the stack's TLS handlers and then the
     * handler made for it (given the connection's {@code SslHandler}).
     */
    static Bootstrap bootstrap(EventLoopGroup group, ClientStack stack, int port,
            BiFunction<SocketChannel, io.netty.handler.ssl.SslHandler, ChannelHandler> last) {
        return new Bootstrap().group(group).channel(LoadServer.TRANSPORT.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .remoteAddress("127.0.0.1", port)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) throws Exception {
                        ch.pipeline().addLast(last.apply(ch, stack.install(ch.pipeline(), port)));
                    }
                });
    }
}
