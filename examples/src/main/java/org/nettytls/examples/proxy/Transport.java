package org.nettytls.examples.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.NettyRuntime;

/**
 * The servers' transport: epoll where Linux offers it, NIO otherwise, with the reason said.
 * Servers and the upstream connections of their proxies use the same one, so that a client's
 * channel and its upstream channel can share one event loop.
 */
public final class Transport {
    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    /** Epoll when its native library loads here, else NIO. */
    public static Transport detect() {
        return new Transport(Epoll.isAvailable());
    }

    public boolean isEpoll() {
        return epoll;
    }

    /** {@code epoll}, or {@code nio (epoll unavailable: <why>)}: what servers print at start. */
    public String describe() {
        return epoll ? "epoll" : "nio (epoll unavailable: " + Epoll.unavailabilityCause() + ")";
    }

    /** Epoll's, keeping each channel in the epoll set while registered (see {@link EpollKeptRegistration}), or NIO's. */
    public IoHandlerFactory ioHandlerFactory() {
        return epoll ? EpollKeptRegistration.newFactory() : NioIoHandler.newFactory();
    }

    /**
     * A group with one event loop per core (Netty's own default is two per core): a proxy's work
     * is TLS, bound by the CPU, and each connection pair stays on one loop.
     */
    public EventLoopGroup newGroup() {
        return new MultiThreadIoEventLoopGroup(NettyRuntime.availableProcessors(), ioHandlerFactory());
    }

    public Class<? extends ServerChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
