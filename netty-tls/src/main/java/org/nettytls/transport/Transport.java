package org.nettytls.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.NettyRuntime;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Objects;
import org.nettytls.error.TlsException;

/**
 * The one place where a Netty transport is chosen, for servers, their clients and a proxy's
 * upstream connections alike, so that a client's channel and its upstream channel can share one
 * event loop: {@link #best()} for the automatic choice, {@link #named(String)} for a
 * {@code --transport} flag.
 *
 * <pre>{@code
 * Transport transport = Transport.best();   // or Transport.named("io_uring"), e.g. from a --transport flag
 * EventLoopGroup group = transport.newGroup();
 * new ServerBootstrap().group(group).channel(transport.serverChannel())...
 * }</pre>
 *
 * <p>Please note: {@link #ioHandlerFactory()} carries a fix for each native transport, and only
 * groups made here (or from that factory) have it. On io_uring, a channel whose peer hung up reads
 * on to the end of its input: Netty 4.2.18 takes a recv that leaves the socket empty as the end of
 * a read loop even after a reset, which the kernel does not flag as it flags a FIN, and a peer
 * that reset right after its bytes (a client's first ones, mid-transfer, an upstream's answer)
 * left a channel open forever (see
 * {@code IoUringReadsToTheReset}; {@code TransportTest} shows the channel closing here and still
 * staying open on Netty's own handler). On epoll, every registered channel stays in the epoll set:
 * Netty 4.2.18 drops a channel that waits for nothing from the set but remembers it as added, and
 * then closes it on its next wait (see {@code EpollKeptRegistration}); a relay that turns reads
 * off and on meets this under load. io_uring has no interest set to lose (each wait is an
 * operation submitted to the ring), and NIO's selector keeps its keys. One io_uring difference
 * no handler can hide: a channel accepted after its client reset has no
 * {@link Channel#remoteAddress()}; {@link #peerAddress(Channel)} has it.
 */
public final class Transport {
    /** A transport's kind, by the name the command line uses for it. */
    public enum Kind {
        /** Linux io_uring: {@link Transport#best()}'s first choice where the kernel allows it. */
        IO_URING("io_uring"),
        /** Linux epoll, with every channel kept in the epoll set (see the class's note). */
        EPOLL("epoll"),
        /** Java NIO selectors: every platform, the fallback when no native transport loads. */
        NIO("nio");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        /** {@return {@code io_uring}, {@code epoll} or {@code nio}} */
        public String id() {
            return id;
        }
    }

    private final Kind kind;
    private final String fallbackReason;

    private Transport(Kind kind, String fallbackReason) {
        this.kind = kind;
        this.fallbackReason = fallbackReason;
    }

    /**
     * {@return io_uring if available here, else epoll, else NIO; {@link #describe()} says why a faster one was passed
     * over}
     */
    public static Transport best() {
        if (IoUring.isAvailable()) {
            return new Transport(Kind.IO_URING, null);
        }
        String why = "io_uring unavailable: " + cause(IoUring.unavailabilityCause());
        if (Epoll.isAvailable()) {
            return new Transport(Kind.EPOLL, why);
        }
        return new Transport(Kind.NIO, why + "; epoll unavailable: " + cause(Epoll.unavailabilityCause()));
    }

    /**
     * Exactly {@code kind}: a forced choice fails instead of falling back.
     *
     * @param kind the kind
     * @return the transport
     * @throws TlsException ({@code bad-configuration}) naming the transport and why it is not available here
     */
    public static Transport of(Kind kind) throws TlsException {
        Objects.requireNonNull(kind, "kind");
        Throwable missing = kind == Kind.IO_URING ? IoUring.unavailabilityCause()
                : kind == Kind.EPOLL ? Epoll.unavailabilityCause() : null;
        if (missing != null) {
            throw TlsException.badConfiguration("transport", "expected " + kind.id() + " to be available, found it is not: "
                    + cause(missing));
        }
        return new Transport(kind, null);
    }

    /**
     * A transport by name, as a {@code --transport} flag gives it: {@code auto} (the same as
     * {@link #best()}), {@code io_uring} (also {@code io-uring}, {@code iouring}), {@code epoll} or
     * {@code nio}, in any case.
     *
     * @param name the name
     * @return the transport
     * @throws TlsException ({@code bad-configuration}) for another name, or a transport not available here
     */
    public static Transport named(String name) throws TlsException {
        String n = Objects.requireNonNull(name, "name").trim().toLowerCase(Locale.ROOT).replace('-', '_');
        switch (n) {
            case "auto":
                return best();
            case "io_uring":
            case "iouring":
                return of(Kind.IO_URING);
            case "epoll":
                return of(Kind.EPOLL);
            case "nio":
                return of(Kind.NIO);
            default:
                throw TlsException.badConfiguration("transport", "expected auto, io_uring, epoll or nio, found '" + name + "'");
        }
    }

    /**
     * The transport {@code channel} runs on, so that more channels can join its event loop (an FTP
     * data listener beside its control connection, a proxy's upstream beside its client): a
     * channel class of another transport cannot register there.
     *
     * @param channel a channel
     * @return its transport
     */
    public static Transport ofChannel(Channel channel) {
        String pkg = Objects.requireNonNull(channel, "channel").getClass().getPackageName();
        return new Transport(pkg.equals("io.netty.channel.uring") ? Kind.IO_URING
                : pkg.equals("io.netty.channel.epoll") ? Kind.EPOLL : Kind.NIO, null);
    }

    /**
     * The address {@code channel}'s peer connected from, or null where there is none (not a TCP
     * channel, not connected). Please note: on io_uring a channel accepted after its client reset
     * the connection has a null {@link Channel#remoteAddress()} (Netty 4.2.18 accepts without
     * the address and asks getpeername(), which a closed connection answers with ENOTCONN); this
     * asks the kernel as accept() does. A server that checks where a connection comes from (an FTP
     * data connection's, for one) must use this, or turn such a channel away.
     *
     * @param channel a channel
     * @return the peer's address, or {@code null}
     */
    public static InetSocketAddress peerAddress(Channel channel) {
        SocketAddress remote = Objects.requireNonNull(channel, "channel").remoteAddress();
        if (remote instanceof InetSocketAddress) {
            return (InetSocketAddress) remote;
        }
        return remote == null && channel instanceof IoUringSocketChannel ? IoUringPeerName.of(channel) : null;
    }

    /**
     * The kind of this transport.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * {@return {@code io_uring}, or e.g. {@code epoll (io_uring unavailable: <why>)}: what a server prints at start}
     */
    public String describe() {
        return fallbackReason == null ? kind.id() : kind.id() + " (" + fallbackReason + ")";
    }

    /**
     * {@return the I/O handlers of this transport's event loops: on io_uring, reading on to a peer's reset; on epoll,
     * with every channel kept in the epoll set (see the class's note)}
     */
    public IoHandlerFactory ioHandlerFactory() {
        switch (kind) {
            case IO_URING:
                return IoUringReadsToTheReset.newFactory();
            case EPOLL:
                return EpollKeptRegistration.newFactory();
            default:
                return NioIoHandler.newFactory();
        }
    }

    /**
     * A group of {@code threads} event loops of this transport.
     *
     * @param threads the number of event loops
     * @return the group
     */
    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
    }

    /**
     * {@return a group with one event loop per core (Netty's own default is two per core): TLS work is bound by the
     * CPU, and a loop per core keeps each connection's work on one core}
     */
    public EventLoopGroup newGroup() {
        return newGroup(NettyRuntime.availableProcessors());
    }

    /**
     * The server channel class for {@code ServerBootstrap.channel}.
     *
     * @return the class
     */
    public Class<? extends ServerSocketChannel> serverChannel() {
        switch (kind) {
            case IO_URING:
                return IoUringServerSocketChannel.class;
            case EPOLL:
                return EpollServerSocketChannel.class;
            default:
                return NioServerSocketChannel.class;
        }
    }

    /**
     * The client channel class for {@code Bootstrap.channel}.
     *
     * @return the class
     */
    public Class<? extends SocketChannel> socketChannel() {
        switch (kind) {
            case IO_URING:
                return IoUringSocketChannel.class;
            case EPOLL:
                return EpollSocketChannel.class;
            default:
                return NioSocketChannel.class;
        }
    }

    @Override
    public String toString() {
        return describe();
    }

    private static String cause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? String.valueOf(t) : t + " (" + root + ")";
    }
}
