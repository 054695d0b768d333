package org.nettytls.starttls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.nettytls.TlsServerContext;

/**
 * Just enough of each protocol's server for clients to reach its upgrade point (openssl
 * s_client, the attack tests): a greeting, capabilities that offer the upgrade until TLS is on,
 * answers to a few commands, and state that STARTTLS resets. SMTP upgrades from behind its
 * LineBasedFrameDecoder, as an application would; the others through {@link StartTlsServer}.
 * Public for the tests of the other modules (netty-tls-ocsp runs every check over every protocol).
 */
public final class ProtocolTestServer implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    public ProtocolTestServer(StartTlsProtocol protocol, TlsServerContext tls) {
        this(protocol, tls, StartTlsHandler.PlaintextPolicy.FAIL);
    }

    public ProtocolTestServer(StartTlsProtocol protocol, TlsServerContext tls, StartTlsHandler.PlaintextPolicy policy) {
        this(protocol, tls, null, policy);
    }

    /** A server that upgrades through {@link StartTlsServer} with a certificate per name (not SMTP, which upgrades itself). */
    public ProtocolTestServer(StartTlsProtocol protocol, org.nettytls.sni.SniLookup lookup) {
        this(protocol, null, lookup, StartTlsHandler.PlaintextPolicy.FAIL);
        if (protocol == StartTlsProtocol.SMTP) {
            throw new IllegalArgumentException("SMTP upgrades from its own handler here");
        }
    }

    private ProtocolTestServer(StartTlsProtocol protocol, TlsServerContext tls, org.nettytls.sni.SniLookup lookup,
            StartTlsHandler.PlaintextPolicy policy) {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        StartTlsHandler starttls = new StartTlsHandler(protocol.serverFraming(), policy, StartTlsHandler.DEFAULT_MAX_FRAME);
                        ch.pipeline().addLast(starttls);
                        if (protocol != StartTlsProtocol.SMTP) {
                            ch.pipeline().addLast(lookup == null ? new StartTlsServer(protocol, tls)
                                    : new StartTlsServer(protocol, lookup, org.nettytls.sni.SniSelectorOptions.DEFAULTS));
                        }
                        if (protocol.serverFraming() instanceof Framings.Postgres || protocol == StartTlsProtocol.LDAP
                                || protocol == StartTlsProtocol.XMPP) {
                            ch.pipeline().addLast(new Dialog(protocol, starttls, tls));
                        } else {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(8192), new Dialog(protocol, starttls, tls));
                        }
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private static final class Dialog extends ChannelInboundHandlerAdapter {
        private final StartTlsProtocol protocol;
        private final StartTlsHandler starttls;
        private final TlsServerContext tls;
        private boolean mail;

        Dialog(StartTlsProtocol protocol, StartTlsHandler starttls, TlsServerContext tls) {
            this.protocol = protocol;
            this.starttls = starttls;
            this.tls = tls;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            switch ((BuiltInProtocol) protocol) {
                case SMTP:
                case LMTP:
                    send(ctx, "220 localhost ESMTP test");
                    break;
                case IMAP:
                    send(ctx, "* OK [CAPABILITY IMAP4rev1 STARTTLS] test ready");
                    break;
                case POP3:
                    send(ctx, "+OK test ready");
                    break;
                case FTP:
                    send(ctx, "220 test ready");
                    break;
                case NNTP:
                    send(ctx, "200 test ready");
                    break;
                case SIEVE:
                    send(ctx, "\"IMPLEMENTATION\" \"netty-tls test\"\r\n\"SIEVE\" \"fileinto\"\r\n\"STARTTLS\"\r\nOK \"ready\"");
                    break;
                default:
                    break;
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == StartTlsEvent.UPGRADED) {
                // RFC 3207 section 4.2: forget everything learnt before TLS.
                mail = false;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            String text;
            try {
                text = frame.toString(StandardCharsets.ISO_8859_1);
            } finally {
                frame.release();
            }
            if (protocol == StartTlsProtocol.XMPP) {
                if (text.contains("<stream:stream")) {
                    ctx.writeAndFlush(Unpooled.copiedBuffer("<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
                            + " xmlns:stream='http://etherx.jabber.org/streams' id='t1' from='localhost' version='1.0'>"
                            + "<stream:features>" + (starttls.isTls() ? "" : "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>")
                            + "</stream:features>", StandardCharsets.ISO_8859_1));
                }
                return;
            }
            if (protocol == StartTlsProtocol.LDAP || protocol == StartTlsProtocol.POSTGRES) {
                ctx.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
                return;
            }
            String line = text.trim();
            String upper = line.toUpperCase(Locale.ROOT);
            String tag = "";
            if (protocol == StartTlsProtocol.IMAP) {
                int sp = line.indexOf(' ');
                tag = sp < 0 ? line : line.substring(0, sp);
                upper = sp < 0 ? "" : upper.substring(sp + 1);
            }
            String word = upper.split(" ", 2)[0];
            switch ((BuiltInProtocol) protocol) {
                case SMTP:
                case LMTP:
                    smtp(ctx, word);
                    break;
                case IMAP:
                    if (word.equals("CAPABILITY")) {
                        send(ctx, "* CAPABILITY IMAP4rev1 " + (starttls.isTls() ? "AUTH=PLAIN" : "STARTTLS LOGINDISABLED") + "\r\n" + tag + " OK done");
                    } else {
                        send(ctx, tag + (word.equals("NOOP") ? " OK NOOP done" : " BAD unknown " + word));
                    }
                    break;
                case POP3:
                    send(ctx, word.equals("CAPA") ? "+OK\r\n" + (starttls.isTls() ? "USER" : "STLS") + "\r\n."
                            : word.equals("NOOP") ? "+OK noop" : "-ERR unknown " + word);
                    break;
                case FTP:
                    send(ctx, word.equals("USER") ? "331 password please" : word.equals("NOOP") ? "200 NOOP ok" : "500 unknown " + word);
                    break;
                case NNTP:
                    send(ctx, word.equals("CAPABILITIES") ? "101 capabilities\r\nVERSION 2\r\n" + (starttls.isTls() ? "" : "STARTTLS\r\n") + "."
                            : "500 unknown " + word);
                    break;
                default:
                    send(ctx, word.equals("NOOP") ? "OK \"noop\"" : "NO \"unknown\"");
                    break;
            }
        }

        private void smtp(ChannelHandlerContext ctx, String word) {
            switch (word) {
                case "EHLO":
                case "LHLO":
                    send(ctx, "250-localhost\r\n" + (starttls.isTls() ? "250 AUTH PLAIN" : "250 STARTTLS"));
                    break;
                case "STARTTLS":
                    if (starttls.isTls()) {
                        send(ctx, "503 5.5.1 TLS already active");
                    } else {
                        starttls.startServer(tls, Unpooled.copiedBuffer("220 2.0.0 Ready to start TLS\r\n", StandardCharsets.US_ASCII));
                    }
                    break;
                case "MAIL":
                    mail = true;
                    send(ctx, "250 2.1.0 OK");
                    break;
                case "RCPT":
                    send(ctx, mail ? "250 2.1.5 OK" : "503 5.5.1 MAIL first");
                    break;
                case "NOOP":
                    send(ctx, "250 2.0.0 OK noop");
                    break;
                default:
                    send(ctx, "500 5.5.2 unknown " + word);
                    break;
            }
        }

        private static void send(ChannelHandlerContext ctx, String reply) {
            ctx.writeAndFlush(Unpooled.copiedBuffer(reply + "\r\n", StandardCharsets.ISO_8859_1));
        }
    }
}
