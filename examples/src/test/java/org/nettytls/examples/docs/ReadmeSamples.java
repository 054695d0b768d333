package org.nettytls.examples.docs;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.error.TlsException;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.starttls.StartTlsEvent;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.starttls.StartTlsServer;
import org.nettytls.transport.Transport;
import org.nettytls.verify.HostnameScheme;

/**
 * The three recipes of README.md, compiled by the build; {@code DocSnippetsTest} checks that each
 * README block is the region between this file's tag comments, and {@code ReadmeRecipesTest} runs them.
 */
final class ReadmeSamples {
    private ReadmeSamples() {
    }

    /** Stands for the application's own handler in the recipes. */
    static final class MyHandler extends ChannelInboundHandlerAdapter {
    }

    // tag::verifying-client[]
    static Channel connect(Transport transport, EventLoopGroup group, Path ca, String host, int port) throws Exception {
        TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder()
                .caFile(ca)                                      // without it: the system's CAs
                .hostnameScheme(HostnameScheme.SMTP)             // the name rules for mail servers
                .build());
        Channel ch = new Bootstrap().group(group).channel(transport.socketChannel())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) throws Exception {
                        tls.install(ch.pipeline(), host, port);   // chain, name, pins: inside the handshake
                        ch.pipeline().addLast(new MyHandler());
                    }
                }).connect(host, port).sync().channel();
        // completes when every check passed; fails with a TlsException saying what was expected and found
        TlsConnectionInfo.verifiedFuture(ch).sync();
        return ch;
    }
    // end::verifying-client[]

    // tag::sni-server[]
    static Channel sniServer(Transport transport, EventLoopGroup group, InetSocketAddress listen) throws Exception {
        KeyMaterial wwwRsa = CertificateLoader.keyMaterial(Path.of("www-rsa.pem"), Path.of("www-rsa.key"), null);
        KeyMaterial wwwEc = CertificateLoader.keyMaterial(Path.of("www-ec.pem"), Path.of("www-ec.key"), null);
        // fetches each certificate's OCSP response from its AIA URL and refreshes it at half its validity
        OcspStapler stapler = OcspStapler.builder(group).channelType(transport.socketChannel()).start();
        SniMapping mapping = SniMapping.builder()
                .add("www.example.org", stapler.applyTo(TlsServerOptions.builder()   // each certificate its own staple
                        .certificate(wwwRsa).addCertificate(wwwEc)))   // ECDSA to clients that take it, RSA to the rest
                .addDefault(TlsServerOptions.builder()                 // clients with no or an unknown name
                        .certificateFile(Path.of("other.pem"), Path.of("other.key")).build())
                .build();
        return new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
                        ch.pipeline().addLast(new MyHandler());
                    }
                }).bind(listen).sync().channel();
    }
    // end::sni-server[]

    // tag::smtp-server[]
    static Channel smtpServer(Transport transport, EventLoopGroup group, Path cert, Path key, InetSocketAddress listen) throws Exception {
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificateFile(cert, key).build());
        return new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // StartTlsServer answers STARTTLS with 220 and starts TLS at a safe point; the rest is yours
                        ch.pipeline().addLast(new StartTlsHandler(StartTlsProtocol.SMTP.serverFraming()),
                                new StartTlsServer(StartTlsProtocol.SMTP, tls),
                                new LineBasedFrameDecoder(1000), new SmtpHandler());
                    }
                }).bind(listen).sync().channel();
    }

    static final class SmtpHandler extends ChannelInboundHandlerAdapter {
        private boolean tls;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            reply(ctx, "220 mail.example.org ESMTP");
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == StartTlsEvent.UPGRADED) {
                tls = true;   // RFC 3207 section 4.2: forget EHLO and all else learnt before TLS
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf line = (ByteBuf) msg;
            String command = line.toString(StandardCharsets.US_ASCII).trim().toUpperCase(Locale.ROOT);
            line.release();
            if (command.startsWith("EHLO ")) {
                reply(ctx, tls ? "250-mail.example.org\r\n250 AUTH PLAIN" : "250-mail.example.org\r\n250 STARTTLS");
            } else if (command.equals("QUIT")) {
                reply(ctx, "221 2.0.0 bye").addListener(ChannelFutureListener.CLOSE);
            } else {
                reply(ctx, "502 5.5.1 not here");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client that rejects our certificate ends here: one line, not a stack trace at the pipeline's tail
            System.err.println(ctx.channel().remoteAddress() + ": " + TlsException.classify(cause).getMessage());
            ctx.close();
        }

        private static ChannelFuture reply(ChannelHandlerContext ctx, String text) {
            return ctx.writeAndFlush(Unpooled.copiedBuffer(text + "\r\n", StandardCharsets.US_ASCII));
        }
    }
    // end::smtp-server[]
}
