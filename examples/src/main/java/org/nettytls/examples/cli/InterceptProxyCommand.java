package org.nettytls.examples.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.examples.HostPort;
import org.nettytls.examples.proxy.InterceptProxy;
import org.nettytls.transport.Transport;
import org.nettytls.sni.SniMinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code intercept-proxy}: an HTTP CONNECT proxy that verifies upstreams and re-signs them, as IO::Socket::SSL::Intercept. */
@Command(name = "intercept-proxy", description = {
    "Run an intercepting HTTPS proxy, as IO::Socket::SSL::Intercept does.",
    "For CONNECT host:port to a destination named with --allow, it verifies the real upstream (chain against "
            + "--upstream-ca, name under the default scheme) and only then answers 200 and shows the client a certificate "
            + "for that name minted with the proxy CA (--ca PREFIX: PREFIX.pem and PREFIX.key, from 'cert ca'; clients "
            + "must trust PREFIX.pem). Other destinations get 403; an upstream that cannot be reached or fails "
            + "verification gets the same 502 whatever the cause (the log says which), and no certificate.",
    "",
    "Please note: it must not face untrusted networks. Whoever reaches it can make it connect to every allowed "
            + "destination from where it runs, and the proxy CA's key can impersonate every site to the clients that "
            + "trust it."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls cert ca --out proxy-ca",
        "  netty-tls intercept-proxy --listen 127.0.0.1:8080 --ca proxy-ca \\",
        "      --allow example.org:443 --allow '*.example.org:443'",
        "  curl --proxy http://127.0.0.1:8080 --cacert proxy-ca.pem https://example.org/"})
final class InterceptProxyCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            description = "Address to listen on (default 127.0.0.1:8080); port 0 picks a free one.")
    HostPort listen;

    @Option(names = "--ca", paramLabel = "PREFIX", required = true,
            description = "The proxy CA that signs minted certificates: PREFIX.pem and PREFIX.key.")
    Path ca;

    @Option(names = "--upstream-ca", paramLabel = "FILE",
            description = "CAs the real upstreams are verified against (default: the system's).")
    Path upstreamCa;

    @Option(names = "--allow", paramLabel = "HOST:PORT", required = true, description = {
        "A destination clients may CONNECT to (repeatable, at least one): HOST:PORT, "
            + "*.DOMAIN:PORT for the names below DOMAIN, *:PORT for any host; PORT may be *."})
    List<String> allow;

    @Option(names = "--naccept", paramLabel = "N", description = "Exit after N connections have closed.")
    Integer naccept;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        InterceptProxy.AllowList allowed;
        try {
            allowed = InterceptProxy.AllowList.of(allow);
        } catch (IllegalArgumentException e) {
            throw UsageException.of("--allow", e.getMessage());
        }
        SniMinter minter = SniMinter.builder(CertCommand.Issue.loadCa(ca)).build();
        TlsClientOptions.Builder upstream = TlsClientOptions.builder();
        if (upstreamCa != null) {
            upstream.caFile(upstreamCa);
        }
        TlsClientContext upstreamTls = TlsClientContext.create(upstream.build());
        Consumer<String> log = line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        };
        Transport transport = Transport.best();
        out.println("transport: " + transport.describe());
        ExecutorService resolver = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "intercept-proxy-resolver");
            t.setDaemon(true);
            return t;
        });
        out.println("allowed destinations: " + allowed);
        InterceptProxy proxy = new InterceptProxy(minter, upstreamTls, allowed, transport, resolver, log);
        EventLoopGroup group = transport.newGroup();
        try {
            Channel[] server = new Channel[1];
            int[] closed = new int[1];
            try {
                server[0] = new ServerBootstrap().group(group).channel(transport.serverChannel())
                        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                proxy.initChannel(ch);
                                ch.closeFuture().addListener(f -> {
                                    synchronized (closed) {
                                        if (naccept != null && ++closed[0] >= naccept) {
                                            server[0].close();
                                        }
                                    }
                                });
                            }
                        }).bind(listen.host(), listen.port()).sync().channel();
            } catch (Exception e) {
                throw new TlsException(TlsErrorCode.CONNECTION_FAILED, "cannot listen on " + listen + ": " + e.getMessage(), e);
            }
            log.accept("listening on " + HostPort.of((InetSocketAddress) server[0].localAddress()));
            server[0].closeFuture().sync();
            return Main.OK;
        } finally {
            resolver.shutdownNow();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
