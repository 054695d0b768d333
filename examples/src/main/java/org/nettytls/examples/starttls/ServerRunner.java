package org.nettytls.examples.starttls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.transport.Transport;

/** What the example servers share: binding, the "listening on" line, reading a command line. */
public final class ServerRunner {
    private ServerRunner() {
    }

    /** The text of one line frame (UTF-8, without its CR), releasing the frame. */
    public static String line(Object frame) {
        ByteBuf b = (ByteBuf) frame;
        String line;
        try {
            line = b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    /**
     * Binds {@code listen} (HOST:PORT) on {@code transport}, prints {@code transport: ...} and
     * {@code listening on HOST:PORT}, and serves until the process ends.
     */
    public static void serve(String listen, Transport transport, PrintWriter out, Consumer<SocketChannel> pipeline)
            throws TlsException, InterruptedException {
        org.nettytls.examples.proxy.HostPort at;
        try {
            at = org.nettytls.examples.proxy.HostPort.parse(listen);
        } catch (IllegalArgumentException e) {
            throw TlsException.badConfiguration("--listen", e.getMessage());
        }
        String host = at.host();
        int port = at.port();
        out.println("transport: " + transport.describe());
        EventLoopGroup group = transport.newGroup();
        try {
            Channel server;
            try {
                server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                pipeline.accept(ch);
                            }
                        }).bind(host, port).sync().channel();
            } catch (Exception e) {
                throw new TlsException(TlsErrorCode.CONNECTION_FAILED, "cannot listen on " + listen + ": " + e.getMessage(), e);
            }
            InetSocketAddress a = (InetSocketAddress) server.localAddress();
            out.println("listening on " + a.getAddress().getHostAddress() + ":" + a.getPort());
            out.flush();
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }
}
