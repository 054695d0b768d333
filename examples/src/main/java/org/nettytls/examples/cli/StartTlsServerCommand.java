package org.nettytls.examples.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Callable;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.examples.HostPort;
import org.nettytls.sni.SniMapping;
import org.nettytls.transport.Transport;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The one runner of {@code line-server}, {@code smtp-server} and {@code ftp-server}: their shared
 * options ({@code --listen}, {@code --cert} as for {@code serve}, {@code --transport}), the
 * certificates loaded into an SNI mapping that the upgrade picks from, the bind, the
 * {@code transport: ...} and {@code listening on HOST:PORT} lines, and serving until the process
 * ends. A command says only what it does with each accepted connection ({@link #server}).
 */
abstract class StartTlsServerCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
            description = "Where to listen (default 127.0.0.1:0, a free port).")
    HostPort listen;

    @Option(names = "--cert", paramLabel = "NAME=CERT[,KEY]", required = true,
            description = "Certificate (and key; default: in CERT) for the name a client asks for after the upgrade; "
                    + "repeatable, as for serve: 'default=' for any other name, 'NAME%%ecc=' for a second key type.")
    List<String> certs;

    @Mixin
    TransportOption transport;

    /** One command's server: sets up each accepted connection; closed once the server stops. */
    interface Server extends AutoCloseable {
        void initChannel(SocketChannel ch);

        @Override
        default void close() {
        }
    }

    /** Checks the command's own options ({@link UsageException}), before any file is read. */
    void check() {
    }

    /** What this command serves with the certificates {@code tls}, printing to {@code out}. */
    abstract Server server(SniMapping tls, PrintWriter out) throws Exception;

    @Override
    public final Integer call() throws Exception {
        check();
        PrintWriter out = spec.commandLine().getOut();
        Transport transport = this.transport.transport();
        SniMapping tls = CertSpecs.load(CertSpecs.parse(certs), o -> o);
        try (Server server = server(tls, out)) {
            serve(transport, out, server);
        }
        return Main.OK;
    }

    private void serve(Transport transport, PrintWriter out, Server server) throws TlsException, InterruptedException {
        out.println("transport: " + transport.describe());
        EventLoopGroup group = transport.newGroup();
        try {
            Channel channel;
            try {
                channel = new ServerBootstrap().group(group).channel(transport.serverChannel())
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                server.initChannel(ch);
                            }
                        }).bind(listen.host(), listen.port()).sync().channel();
            } catch (Exception e) {
                throw new TlsException(TlsErrorCode.CONNECTION_FAILED, "cannot listen on " + listen + ": " + e.getMessage(), e);
            }
            out.println("listening on " + HostPort.of((InetSocketAddress) channel.localAddress()));
            out.flush();
            channel.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }
}
