package org.nettytls.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.unix.RawUnixChannelOption;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The peer's address of an io_uring channel whose {@code remoteAddress()} Netty left null. With
 * multishot accept (its default where the kernel has it) Netty 4.2.18 accepts without an address
 * and asks {@code getpeername()} when it builds the child ({@code IoUringServerSocketChannel.newChildChannel}),
 * which fails with ENOTCONN once a reset closed the connection, however briefly it waited in the
 * accept queue. {@code SO_PEERNAME} asks the kernel as {@code accept()} does ({@code getname} with
 * peer 2), which still knows the address of a closed connection.
 */
final class IoUringPeerName {
    // Linux's ABI: <asm-generic/socket.h>, <linux/socket.h>; a sockaddr_in6 is 28 bytes, a sockaddr_in 16.
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERNAME = 28;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final RawUnixChannelOption PEERNAME_IN6 = new RawUnixChannelOption("SO_PEERNAME", SOL_SOCKET, SO_PEERNAME, 28);
    private static final RawUnixChannelOption PEERNAME_IN = new RawUnixChannelOption("SO_PEERNAME", SOL_SOCKET, SO_PEERNAME, 16);

    private IoUringPeerName() {
    }

    /** The address the kernel has for {@code channel}'s peer, or null if it has none. */
    static InetSocketAddress of(Channel channel) {
        ByteBuffer name;
        try {
            // The kernel refuses (EINVAL) a buffer longer than the address: an IPv4 socket's is 16 bytes.
            name = channel.config().getOption(PEERNAME_IN6);
        } catch (ChannelException in4) {
            try {
                name = channel.config().getOption(PEERNAME_IN);
            } catch (ChannelException unknown) {
                return null;
            }
        }
        if (name == null || name.remaining() < 8) {
            return null;
        }
        name.order(ByteOrder.nativeOrder());
        int family = name.getShort(0) & 0xffff;
        int port = ((name.get(2) & 0xff) << 8) | (name.get(3) & 0xff);
        byte[] address;
        if (family == AF_INET) {
            address = new byte[4];
            name.get(4, address);
        } else if (family == AF_INET6 && name.remaining() >= 24) {
            address = new byte[16];
            name.get(8, address);
        } else {
            return null;
        }
        try {
            // An IPv4-mapped IPv6 address comes back as the IPv4 address, as Netty reports it.
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + address.length + " bytes", e);
        }
    }
}
