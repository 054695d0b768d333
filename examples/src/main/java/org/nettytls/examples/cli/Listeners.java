package org.nettytls.examples.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.nettytls.transport.Transport;

/**
 * serve's listening sockets, set up for a TLS port. On io_uring and epoll: one listener per event
 * loop on the same port ({@code SO_REUSEPORT}), each accepting onto its own loop, so that the
 * kernel spreads the connections and no accepted channel is handed to another thread; and
 * {@code TCP_DEFER_ACCEPT}, so that a connection is accepted once its first bytes (the
 * ClientHello) are there and the first read finds them. On NIO: one listener.
 *
 * <p>Please note: {@code TCP_DEFER_ACCEPT} suits only protocols where the client speaks first,
 * as TLS does; a server that greets first (SMTP, FTP) must not use it.
 */
final class Listeners {
    /** Seconds the kernel waits for a client's first bytes before it accepts the connection anyway. */
    private static final int DEFER_ACCEPT_SECONDS = 5;

    private final List<Channel> channels;

    private Listeners(List<Channel> channels) {
        this.channels = channels;
    }

    /** Binds {@code bootstrap} (without a group) on {@code group}'s loops at HOST:PORT; port 0 picks one free port for all. */
    static Listeners bind(ServerBootstrap bootstrap, Transport transport, EventLoopGroup group, String host, int port)
            throws InterruptedException {
        boolean unix = transport.kind() != Transport.Kind.NIO;
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : group) {
            loops.add((EventLoop) e);
        }
        if (!unix || loops.size() == 1) {
            loops = List.of(group.next());
        }
        List<Channel> channels = new ArrayList<>();
        int at = port;
        try {
            for (EventLoop loop : loops) {
                ServerBootstrap b = bootstrap.clone().group(loop, loop).option(ChannelOption.SO_BACKLOG, 4096);
                if (unix) {
                    b.option(transport.kind() == Transport.Kind.IO_URING ? IoUringChannelOption.TCP_DEFER_ACCEPT
                            : EpollChannelOption.TCP_DEFER_ACCEPT, DEFER_ACCEPT_SECONDS);
                    if (loops.size() > 1) {
                        b.option(UnixChannelOption.SO_REUSEPORT, true);
                    }
                }
                Channel ch = b.bind(host, at).sync().channel();
                channels.add(ch);
                at = ((InetSocketAddress) ch.localAddress()).getPort();
            }
        } catch (InterruptedException | RuntimeException e) {
            channels.forEach(Channel::close);
            throw e;
        }
        return new Listeners(channels);
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) channels.get(0).localAddress();
    }

    void close() {
        channels.forEach(Channel::close);
    }

    /** Returns once every listener has closed. */
    void awaitClosed() throws InterruptedException {
        for (Channel ch : channels) {
            ch.closeFuture().sync();
        }
    }
}
