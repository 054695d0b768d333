package org.nettytls.examples.docs;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.logging.Logger;
import org.nettytls.acme.AcmeCertificates;
import org.nettytls.acme.AcmeKeyType;
import org.nettytls.acme.AcmeOptions;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniReloader;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.transport.Transport;

/** The code of docs/acme.md, compiled by the build (see {@code DocSnippetsTest}). */
final class AcmeSamples {
    private static final Logger log = Logger.getLogger(AcmeSamples.class.getName());

    private AcmeSamples() {
    }

    static final class MyHandler extends ChannelInboundHandlerAdapter {
    }

    static Channel acmeServer(Transport transport, EventLoopGroup group, InetSocketAddress listen) throws Exception {
        // tag::acme[]
        AcmeCertificates acme = AcmeCertificates.create(AcmeOptions.builder(URI.create("https://acme-v02.api.letsencrypt.org/directory"))
                .email("hostmaster@example.org").agreeToTermsOfService(true).stateDirectory(Path.of("/var/lib/netty-tls-acme"))
                .domain("www.example.org", AcmeKeyType.ECDSA_P256, AcmeKeyType.RSA_2048).build());
        // the certificates on disk now (none before the first issuance), reloaded when ACME renews them
        SniReloader certs = SniReloader.create(() -> acme.addTo(SniMapping.builder(), options -> options).build());
        acme.attach(certs).onEvent(e -> log.info(e.toString()));
        SniSelectorOptions sni = SniSelectorOptions.builder().tlsAlpnChallenges(acme).build();   // answers tls-alpn-01
        Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SniCertSelector.install(ch.pipeline(), certs, sni);
                        ch.pipeline().addLast(new MyHandler());
                    }
                }).bind(listen).sync().channel();
        acme.start();   // once the port accepts: orders, validates, writes, renews on its own thread
        // end::acme[]
        return server;
    }
}
