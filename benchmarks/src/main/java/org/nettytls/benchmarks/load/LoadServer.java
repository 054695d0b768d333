package org.nettytls.benchmarks.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniSelectorOptions;

/**
 * The JVM servers that {@code benchmarks/run-load.sh} compares, each an HTTP responder on one
 * epoll event loop bound to 127.0.0.1:
 * <ul>
 * <li>{@code plain PORT CERT KEY}: Netty's own {@code SslHandler} from {@code SslContextBuilder}
 *     with BoringSSL, nothing else: the baseline.
 * <li>{@code netty-tls PORT CERT KEY}: the same responder behind netty-tls: {@link SniCertSelector}
 *     over an {@link SniMapping} of 100 names, then the {@code SslHandler} of the selected
 *     {@link TlsServerContext} and {@code TlsFailureEvents}.
 * <li>{@code backend PORT}: the responder without TLS, the upstream of the relay comparison.
 * <li>{@code pki DIR}: writes an ECDSA P-256 CA and a {@code localhost} server certificate
 *     ({@code ca.pem}, {@code server.pem}, {@code server.key}) that every server uses.
 * </ul>
 * Session resumption is off on both TLS servers: no session cache, and the script starts the JVM
 * with {@code -Djdk.tls.server.enableSessionTicketExtension=false} for the TLS 1.3 tickets.
 * Prints {@code listening on 127.0.0.1:PORT} when ready.
 */
public final class LoadServer {
    private LoadServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("pki")) {
            writePki(Path.of(args[1]));
            return;
        }
        if (args.length < 2) {
            System.err.println("usage: LoadServer plain|netty-tls PORT CERT KEY | backend PORT | pki DIR");
            System.exit(2);
        }
        if (!Epoll.isAvailable() || !OpenSsl.isAvailable()) {
            throw new IllegalStateException("epoll and BoringSSL are required: " + Epoll.unavailabilityCause()
                    + " / " + OpenSsl.unavailabilityCause());
        }
        String mode = args[0];
        int port = Integer.parseInt(args[1]);
        ChannelInitializer<SocketChannel> init;
        switch (mode) {
            case "plain": {
                SslContext ssl = SslContextBuilder.forServer(Path.of(args[2]).toFile(), Path.of(args[3]).toFile())
                        .sslProvider(SslProvider.OPENSSL).build();
                ((OpenSslSessionContext) ssl.sessionContext()).setSessionCacheEnabled(false);
                init = new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new HttpResponder());
                    }
                };
                break;
            }
            case "netty-tls": {
                TlsServerContext context = TlsServerContext.create(TlsServerOptions.builder()
                        .certificateFile(Path.of(args[2]), Path.of(args[3])).build());
                ((OpenSslSessionContext) context.sslContext().sessionContext()).setSessionCacheEnabled(false);
                SniMapping.Builder names = SniMapping.builder().add("localhost", context);
                for (int i = 1; i < 100; i++) {
                    names.add("host" + i + ".bench.test", context);
                }
                SniMapping mapping = names.build();
                init = new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
                        ch.pipeline().addLast(new HttpResponder());
                    }
                };
                break;
            }
            case "backend":
                init = new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpResponder());
                    }
                };
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + mode);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(init)
                .bind("127.0.0.1", port).sync().channel();
        System.out.println("listening on 127.0.0.1:" + port + " (" + mode + ", " + OpenSsl.versionString() + ")");
        System.out.flush();
        server.closeFuture().sync();
    }

    private static void writePki(Path dir) throws Exception {
        Files.createDirectories(dir);
        HeldCertificate ca = HeldCertificate.builder().commonName("netty-tls bench CA").certificateAuthority(0)
                .ec("secp256r1").build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost")
                .ip("127.0.0.1").ec("secp256r1").signedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("server.pem"), server.certificatePem());
        Files.writeString(dir.resolve("server.key"), server.privateKeyPem());
        System.out.println("wrote " + List.of("ca.pem", "server.pem", "server.key") + " to " + dir);
    }
}
