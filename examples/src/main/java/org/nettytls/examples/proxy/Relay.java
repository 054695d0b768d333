package org.nettytls.examples.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.nettytls.examples.HostPort;

/**
 * Relays bytes between a client channel and its upstream channel, both ways, with backpressure
 * and half-close; the two channels must share one event loop, on which all of this runs.
 *
 * <p><b>Backpressure.</b> A side stops reading (auto-read off) as soon as the channel it writes to
 * is not writable, that is, holds more than its write-buffer high-water mark, and reads again when
 * that channel has drained below the low-water mark. So a relay buffers at most about the
 * high-water mark plus one read per direction, however fast one side and however slow the other.
 * The relay sets both channels' marks to {@link #WATER_MARK} (128 KiB low, 256 KiB high) instead
 * of Netty's 32/64 KiB: with 64 KiB a bulk transfer stopped and resumed reading the upstream every
 * two reads, and wrote the client 128 KiB at a time; with 256 KiB it writes in larger, rarer
 * bursts, for 13-20% less CPU per relayed byte in the load harness (whole machine, load generator
 * and backend included), at up to 192 KiB more buffered per slow direction.
 *
 * <p><b>Half-close.</b> When one side's input ends (a TCP FIN, seen with
 * {@code ALLOW_HALF_CLOSURE}, or a TLS close_notify), everything read from it is flushed to the
 * other side and then that side's output is shut down: close_notify and then FIN on a TLS channel,
 * FIN on a plain one. The other direction goes on until its input ends too; then both channels
 * close. Please note: Netty's OpenSSL engine answers a received close_notify with its own at once
 * (TLS 1.2 semantics), so after a TLS side's close_notify nothing more can be sent to it; bytes
 * the other side still sends then fail to be written and the relay closes both. A TLS client that
 * half-closes with a bare FIN still gets the upstream's answer.
 *
 * <p><b>Writes.</b> What one event loop turn brings for a TLS channel leaves it in one write call:
 * the relay's flushes, and those of its TLS handler (which flushes its records and its
 * close_notify separately), are consolidated until the end of the turn.
 *
 * <p>Counters (bytes each way, how often each side stopped reading, the most bytes ever waiting
 * in one channel's outbound buffer) make the flow control observable; read them on the event loop
 * or in the callback given to {@link #link}, which runs once both channels have closed.
 */
public final class Relay {
    /** Both channels' write-buffer marks while relaying: 128 KiB low, 256 KiB high. */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 256 * 1024);

    /** One side of the relay: a channel and what was read from it. */
    final class Side {
        final Channel channel;
        Side peer;
        boolean inputEnded;
        long bytesRead;
        int readPauses;

        Side(Channel channel) {
            this.channel = channel;
        }
    }

    private final Side client;
    private final Side upstream;
    private final ChannelFutureListener closeOnFailure = f -> {
        if (!f.isSuccess()) {
            fail(f.cause());
        }
    };
    private int outputsShut;
    private long maxBuffered;
    private Throwable failure;
    private boolean closing;

    private Relay(Channel client, Channel upstream) {
        this.client = new Side(client);
        this.upstream = new Side(upstream);
        this.client.peer = this.upstream;
        this.upstream.peer = this.client;
    }

    /**
     * Starts relaying between {@code client} and {@code upstream}, which must share one event loop
     * and be called on it. A {@code PendingReads} handler on either channel is replaced, and what it
     * held is relayed first; otherwise the relay's handler goes last. Both channels auto-read from
     * here on (until backpressure says otherwise). {@code onClosed} runs once both have closed.
     */
    public static Relay link(Channel client, Channel upstream, Consumer<Relay> onClosed) {
        if (client.eventLoop() != upstream.eventLoop() || !client.eventLoop().inEventLoop()) {
            throw new IllegalStateException("a relay's channels must share one event loop and be linked on it");
        }
        Relay relay = new Relay(client, upstream);
        ChannelFutureListener bothClosed = new ChannelFutureListener() {
            private int closed;

            @Override
            public void operationComplete(ChannelFuture f) {
                if (++closed == 2) {
                    onClosed.accept(relay);
                }
            }
        };
        client.closeFuture().addListener(bothClosed);
        upstream.closeFuture().addListener(bothClosed);
        client.config().setWriteBufferWaterMark(WATER_MARK);
        upstream.config().setWriteBufferWaterMark(WATER_MARK);
        Held clientHeld = relay.install(relay.client);
        Held upstreamHeld = relay.install(relay.upstream);
        relay.replay(relay.client, clientHeld);
        relay.replay(relay.upstream, upstreamHeld);
        for (Side s : new Side[] {relay.client, relay.upstream}) {
            if (!s.channel.isActive()) {
                relay.closed(s);
            } else if (!s.inputEnded && s.peer.channel.isWritable()) {
                s.channel.config().setAutoRead(true);
            }
        }
        return relay;
    }

    /** Whether {@code evt} says a channel's input has ended: a FIN under half-closure, or a TLS close_notify. */
    static boolean endsInput(Object evt) {
        return evt == ChannelInputShutdownEvent.INSTANCE
                || evt instanceof SslCloseCompletionEvent && ((SslCloseCompletionEvent) evt).isSuccess();
    }

    /**
     * Puts the relay's handler in {@code side}'s pipeline, and on a TLS side a flush consolidation
     * in front of everything; returns what a {@link PendingReads} there held.
     */
    private Held install(Side side) {
        if (side.channel.pipeline().get(SslHandler.class) != null) {
            // A TLS side's flushes wait for the end of the event loop's turn, so that the upstream's
            // last answer and the close_notify after it (SslHandler flushes each) leave in one write.
            // Not a plain side: there it would only delay the relay's last close past the peer's FIN,
            // which then costs Netty a shutdown(SHUT_RD) call.
            side.channel.pipeline().addFirst("relay-flushes", new FlushConsolidationHandler(
                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        }
        RelayHandler handler = new RelayHandler(this, side);
        PendingReads pending = side.channel.pipeline().get(PendingReads.class);
        if (pending == null) {
            side.channel.pipeline().addLast("relay", handler);
            return new Held(new ArrayDeque<>(), false);
        }
        // Taken before the replacement, which releases whatever is still held.
        Held held = new Held(pending.take(), pending.inputEnded());
        side.channel.pipeline().replace(pending, "relay", handler);
        return held;
    }

    private record Held(ArrayDeque<ByteBuf> reads, boolean inputEnded) {
    }

    private void replay(Side from, Held held) {
        ByteBuf b;
        while ((b = held.reads().poll()) != null) {
            forward(from, b);
        }
        from.peer.channel.flush();
        if (held.inputEnded()) {
            inputEnded(from);
        }
    }

    void forward(Side from, ByteBuf data) {
        Channel to = from.peer.channel;
        from.bytesRead += data.readableBytes();
        to.write(data).addListener(closeOnFailure);
        maxBuffered = Math.max(maxBuffered, pendingBytes(to));
        if (!to.isWritable() && from.channel.config().isAutoRead()) {
            from.channel.config().setAutoRead(false);
            from.readPauses++;
        }
    }

    void readComplete(Side from) {
        from.peer.channel.flush();
    }

    /** {@code side}'s channel drained: its peer may read again. */
    void writable(Side side) {
        Side reader = side.peer;
        if (side.channel.isWritable() && !reader.inputEnded && reader.channel.isActive()
                && !reader.channel.config().isAutoRead()) {
            reader.channel.config().setAutoRead(true);
        }
    }

    void inputEnded(Side from) {
        if (from.inputEnded) {
            return;
        }
        from.inputEnded = true;
        Channel to = from.peer.channel;
        if (!to.isActive()) {
            closeBoth();
            return;
        }
        // Shutting a channel's output fails what is still queued, so shut it once all is written.
        SslHandler tls = to.pipeline().get(SslHandler.class);
        ChannelFuture written;
        if (tls != null) {
            to.flush();
            written = tls.closeOutbound();
        } else {
            written = to.writeAndFlush(Unpooled.EMPTY_BUFFER);
        }
        Side receiver = from.peer;
        written.addListener(w -> {
            if (receiver.inputEnded && to.isActive()) {
                // Its input ended too, so nothing more comes from or goes to it: closing sends the same
                // FIN as shutting its output, without the shutdown call and the exception (with its stack
                // trace) that Netty creates for every shut output; this is the last step of every relay.
                to.close();
                if (++outputsShut == 2) {
                    closeBoth();
                }
                return;
            }
            ChannelFuture shut = to instanceof DuplexChannel && to.isActive()
                    ? ((DuplexChannel) to).shutdownOutput() : to.newSucceededFuture();
            shut.addListener(s -> {
                if (s.isSuccess() && to.isActive()) {
                    // Its output is shut, so the end of its input is the last thing to happen on it: without
                    // half-closure Netty closes it on that FIN, which is what the relay would do next, instead
                    // of first calling shutdown(SHUT_RD), which fails with ENOTCONN (and a stack trace) on a
                    // socket whose both directions have ended. What it sends before the FIN is still relayed.
                    to.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                }
                if (++outputsShut == 2) {
                    closeBoth();
                }
            });
        });
    }

    /** {@code side}'s channel closed: the other one flushes what it has and closes too. */
    void closed(Side side) {
        Channel other = side.peer.channel;
        if (other.isActive()) {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        closeBoth();
    }

    private void closeBoth() {
        if (!closing) {
            closing = true;
            client.channel.close();
            upstream.channel.close();
        }
    }

    private static long pendingBytes(Channel ch) {
        ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
        return b == null ? 0 : b.totalPendingWriteBytes();
    }

    public SocketAddress clientAddress() {
        return client.channel.remoteAddress();
    }

    public SocketAddress upstreamAddress() {
        return upstream.channel.remoteAddress();
    }

    /** Bytes read from the client and written to the upstream. */
    public long bytesToUpstream() {
        return client.bytesRead;
    }

    /** Bytes read from the upstream and written to the client. */
    public long bytesToClient() {
        return upstream.bytesRead;
    }

    /** How often the relay stopped reading the client because the upstream could not take more. */
    public int clientReadPauses() {
        return client.readPauses;
    }

    /** How often the relay stopped reading the upstream because the client could not take more. */
    public int upstreamReadPauses() {
        return upstream.readPauses;
    }

    /** The most bytes that ever waited in one channel's outbound buffer (TLS handler's queue included). */
    public long maxBufferedBytes() {
        return maxBuffered;
    }

    /** What broke the relay, or {@code null} if both sides ended normally. */
    public Throwable failure() {
        return failure;
    }

    /** An address as IP:PORT, without the host name InetSocketAddress prints in front. */
    static String text(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) address;
            return a.getAddress() == null ? a.toString() : HostPort.of(a).toString();
        }
        return String.valueOf(address);
    }

    /** One line: the addresses, the bytes each way, the pauses and the most bytes buffered. */
    public String summary() {
        return "relay " + text(clientAddress()) + " <-> " + text(upstreamAddress()) + " closed: " + bytesToUpstream()
                + " bytes to upstream, " + bytesToClient() + " bytes to client, client reads paused "
                + clientReadPauses() + " times, upstream reads paused " + upstreamReadPauses() + " times, at most "
                + maxBufferedBytes() + " bytes buffered"
                + (failure == null ? "" : ", failed: " + failure.getMessage());
    }
}
