package org.nettytls.sni;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.nettytls.TlsHandshakeEvent;
import org.nettytls.TlsOptions;
import org.nettytls.TlsServerContext;

/**
 * Feeds the same bytes, in the same reads, to two servers on {@link EmbeddedChannel}s (real
 * BoringSSL engines, a frozen clock) and says what each did, in a form that compares: the alerts
 * it sent (every byte of each), whether it sent a ServerHello, whether it closed, and, when it was
 * still waiting, what it did just before and just after the handshake timeout. A ServerHello's
 * content (random, key share, certificate) differs by nature; its presence and the alerts do not.
 */
public final class HelloParity {
    /** The handshake timeout both servers run with (netty-tls's default), and the selector's ClientHello timeout. */
    static final long TIMEOUT_MILLIS = TlsOptions.DEFAULT_HANDSHAKE_TIMEOUT.toMillis();

    private HelloParity() {
    }

    /** A server with a single certificate: a plain {@code SslHandler} as {@code TlsServerContext.install} makes it. */
    public static Server plain(TlsServerContext context) {
        return new Server(ch -> context.install(ch.pipeline()));
    }

    /** A server that selects by SNI. */
    static Server selector(SniLookup lookup, SniSelectorOptions options) {
        return new Server(ch -> SniCertSelector.install(ch.pipeline(), lookup, options));
    }

    /** Makes one channel per run, its pipeline set up by {@code setup}, with a sink that records events. */
    public static final class Server {
        private final Consumer<EmbeddedChannel> setup;

        Server(Consumer<EmbeddedChannel> setup) {
            this.setup = setup;
        }

        /** What this server does with {@code reads}, one inbound read each. */
        public Outcome run(List<byte[]> reads) {
            EmbeddedChannel ch = new EmbeddedChannel();
            ch.freezeTime();
            Sink sink = new Sink();
            setup.accept(ch);
            ch.pipeline().addLast(sink);
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            try {
                for (byte[] read : reads) {
                    if (!ch.isOpen()) {
                        break;
                    }
                    ch.writeInbound(Unpooled.wrappedBuffer(read));
                    ch.runPendingTasks();
                }
                drain(ch, sent);
                String after = describe(sent.toByteArray()) + (ch.isOpen() ? " open" : " closed");
                if (ch.isOpen()) {
                    ByteArrayOutputStream later = new ByteArrayOutputStream();
                    ch.advanceTimeBy(TIMEOUT_MILLIS - 500, TimeUnit.MILLISECONDS);
                    ch.runScheduledPendingTasks();
                    ch.runPendingTasks();
                    drain(ch, later);
                    after += "; before the timeout " + describe(later.toByteArray()) + (ch.isOpen() ? " open" : " closed");
                    ch.advanceTimeBy(1000, TimeUnit.MILLISECONDS);
                    ch.runScheduledPendingTasks();
                    ch.runPendingTasks();
                    drain(ch, later);
                    after += "; after it " + describe(later.toByteArray()) + (ch.isOpen() ? " open" : " closed");
                }
                return new Outcome(after, sink.events);
            } finally {
                ch.finishAndReleaseAll();
            }
        }
    }

    /** What a server did; {@link #wire} is what must match. */
    public static final class Outcome {
        public final String wire;
        public final List<Object> events;

        Outcome(String wire, List<Object> events) {
            this.wire = wire;
            this.events = events;
        }

        <T> T event(Class<T> type) {
            for (Object e : events) {
                if (type.isInstance(e)) {
                    return type.cast(e);
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return wire + " " + events;
        }
    }

    private static void drain(EmbeddedChannel ch, ByteArrayOutputStream to) {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            try {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                to.writeBytes(bytes);
            } finally {
                b.release();
            }
        }
    }

    /** The records in {@code bytes}: each alert in full (hex), a ServerHello by name, anything else by type. */
    public static String describe(byte[] bytes) {
        List<String> parts = new ArrayList<>();
        int at = 0;
        boolean encrypted = false;
        while (at + 5 <= bytes.length) {
            int type = bytes[at] & 0xff;
            int length = ((bytes[at + 3] & 0xff) << 8) | (bytes[at + 4] & 0xff);
            int end = Math.min(bytes.length, at + 5 + length);
            if (type == 21 && !encrypted) {
                StringBuilder hex = new StringBuilder("alert ");
                for (int i = at; i < end; i++) {
                    hex.append(String.format("%02x", bytes[i] & 0xff));
                }
                parts.add(hex.toString());
            } else if (type == 22 && length > 0 && (bytes[at + 5] & 0xff) == 2) {
                parts.add("ServerHello");
            } else if (!encrypted) {
                // After the ServerHello everything is certificates and encrypted records, whose
                // number depends on the certificate: one mark for all of them.
                parts.add("...");
                encrypted = true;
            }
            at = end;
        }
        if (at < bytes.length) {
            parts.add((bytes.length - at) + " stray bytes");
        }
        return parts.isEmpty() ? "nothing" : String.join(", ", parts);
    }

    /** Swallows what reaches the end of the pipeline, keeping the events. */
    private static final class Sink extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniSelectionEvent || (evt instanceof TlsHandshakeEvent && !((TlsHandshakeEvent) evt).isSuccess())) {
                events.add(evt);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Failures arrive as events too; the pipeline closes the channel itself.
        }
    }
}
