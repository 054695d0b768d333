package org.nettytls.sni;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.nettytls.error.TlsException;
import org.nettytls.TlsHandshakeEvent;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;

/** The certificates of the SNI tests: one CA, and for a.test an RSA and an ECDSA certificate. */
final class SniPki {
    static final HeldCertificate CA;
    static final HeldCertificate A_RSA;
    static final HeldCertificate A_EC;
    static final HeldCertificate B_EC;
    static final HeldCertificate WILD;
    static final HeldCertificate EXACT_UNDER_WILD;
    static final HeldCertificate DEFAULT_RSA;

    static {
        try {
            CA = HeldCertificate.builder().commonName("SNI Test CA").certificateAuthority(0).build();
            A_RSA = leaf("a.test RSA", "a.test").rsa(2048).build();
            A_EC = leaf("a.test ECDSA", "a.test").build();
            B_EC = leaf("b.test ECDSA", "b.test").build();
            WILD = leaf("wildcard", "*.wild.test").build();
            EXACT_UNDER_WILD = leaf("exact.wild.test", "exact.wild.test").build();
            DEFAULT_RSA = leaf("default RSA", "default.test").rsa(2048).build();
        } catch (TlsException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private SniPki() {
    }

    private static HeldCertificate.Builder leaf(String cn, String dns) {
        return HeldCertificate.builder().commonName(cn).dns(dns).signedBy(CA);
    }

    static TlsServerOptions.Builder options(HeldCertificate cert) {
        return TlsServerOptions.builder().certificate(cert.keyMaterial());
    }

    /** The usual mapping: a.test with RSA and ECDSA, b.test, *.wild.test, exact.wild.test, and a default. */
    static SniMapping.Builder mapping(boolean withDefault) throws TlsException {
        SniMapping.Builder b = SniMapping.builder()
                .add("a.test", options(A_RSA).addCertificate(A_EC.keyMaterial()).build())
                .add("b.test", options(B_EC).build())
                .add("*.wild.test", options(WILD).build())
                .add("exact.wild.test", options(EXACT_UNDER_WILD).build());
        if (withDefault) {
            b.addDefault(options(DEFAULT_RSA).build());
        }
        return b;
    }

    /** A selector server on a {@link Loopback}; {@link #last()} gives the events of the first connection not yet cleared. */
    static final class Server {
        final int port;
        final ConcurrentLinkedQueue<Events> accepted = new ConcurrentLinkedQueue<>();

        Server(Loopback loop, SniLookup lookup, SniSelectorOptions options) {
            this.port = loop.server(ch -> {
                SniCertSelector.install(ch.pipeline(), lookup, options);
                Events events = new Events();
                ch.pipeline().addLast(events);
                accepted.add(events);
            }, side -> { }, true);
        }

        Events last() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (accepted.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no connection accepted within 20 s");
                }
                Thread.onSpinWait();
            }
            return accepted.peek();
        }

        void clear() {
            accepted.clear();
        }
    }

    /** Records the selector's events on the server side, in order. */
    static final class Events extends ChannelInboundHandlerAdapter {
        final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniSelectionEvent || (evt instanceof TlsHandshakeEvent && !((TlsHandshakeEvent) evt).isSuccess())) {
                queue.add(evt);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            queue.add("closed");
            ctx.fireChannelInactive();
        }

        <T> T next(Class<T> type) {
            try {
                while (true) {
                    Object o = queue.poll(20, TimeUnit.SECONDS);
                    if (o == null) {
                        throw new AssertionError("no " + type.getSimpleName() + " within 20 s");
                    }
                    if (type.isInstance(o)) {
                        return type.cast(o);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        void awaitClosed() {
            next(String.class);
        }
    }
}
