package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.sni.SniMapping;

/**
 * {@link StartTlsServer} with an SNI lookup: each name gets its own certificate after the
 * plaintext upgrade, as a server that speaks TLS from the start gives it; a name the mapping
 * does not know (and no default) gets no handshake at all.
 */
class StartTlsSniServerTest {
    static HeldCertificate ca;
    static HeldCertificate a;
    static HeldCertificate b;
    static SniMapping mapping;

    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("StartTLS SNI CA").certificateAuthority(0).build();
        a = HeldCertificate.builder().commonName("a.test").dns("a.test").signedBy(ca).build();
        b = HeldCertificate.builder().commonName("b.test").dns("b.test").signedBy(ca).build();
        mapping = SniMapping.builder()
                .add("a.test", TlsServerOptions.builder().certificate(a.keyMaterial()).build())
                .add("b.test", TlsServerOptions.builder().certificate(b.keyMaterial()).build())
                .build();
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private Future<Channel> upgrade(StartTlsProtocol protocol, String host, int port) throws Exception {
        TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build());
        StartTlsClient client = new StartTlsClient(protocol, tls, host, port);
        new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new StartTlsHandler(protocol.clientFraming()), client);
            }
        }).connect("127.0.0.1", port).syncUninterruptibly();
        Future<Channel> f = client.upgradeFuture();
        assertTrue(f.awaitUninterruptibly(20, TimeUnit.SECONDS), "the upgrade neither finished nor failed");
        return f;
    }

    @ParameterizedTest
    @EnumSource(value = BuiltInProtocol.class, names = {"IMAP", "POP3", "FTP"})
    void eachNameGetsItsCertificate(StartTlsProtocol protocol) throws Exception {
        try (ProtocolTestServer server = new ProtocolTestServer(protocol, mapping)) {
            for (HeldCertificate expected : new HeldCertificate[] {a, b}) {
                String host = expected.certificate().getSubjectX500Principal().getName().substring(3);
                Future<Channel> f = upgrade(protocol, host, server.port());
                assertTrue(f.isSuccess(), "upgrade for " + host + ": " + f.cause());
                TlsConnectionInfo info = TlsConnectionInfo.of(f.getNow());
                assertEquals(expected.certificate(), info.peerCertificate(), "certificate for " + host);
                assertEquals(host, info.serverName());
                f.getNow().close().syncUninterruptibly();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = BuiltInProtocol.class, names = {"IMAP"})
    void anUnknownNameGetsNoHandshake(StartTlsProtocol protocol) throws Exception {
        try (ProtocolTestServer server = new ProtocolTestServer(protocol, mapping)) {
            assertFalse(upgrade(protocol, "c.test", server.port()).isSuccess(), "c.test is in no mapping and there is no default");
        }
    }
}
