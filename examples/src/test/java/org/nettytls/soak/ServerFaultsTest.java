package org.nettytls.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.starttls.StopTlsHandler;
import org.nettytls.testing.Await;
import org.nettytls.testing.Bystander;

/**
 * Faults against the command line's servers in this JVM, each while a well-behaved client keeps
 * talking to the same server: a STOPTLS peer that never answers close_notify, and the upstream of
 * {@code serve --upstream} refusing or resetting connections.
 */
class ServerFaultsTest {
    private static final Duration PROBE_BOUND = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private String cert;
    private SSLContext jdk;
    private InProcessCommand server;
    private final EventLoopGroup backendGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @BeforeEach
    void pki() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Faults CA").certificateAuthority(0).build();
        HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(ca).build().writeTo(dir.resolve("leaf"));
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        cert = dir.resolve("leaf.pem") + "," + dir.resolve("leaf.key");
        jdk = Bystander.trusting(ca.certificate());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        backendGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Reads until the peer closes (end of stream or reset); returns the text read. */
    private static String readToClose(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        try {
            for (int c; (c = in.read()) >= 0; ) {
                b.append((char) c);
            }
        } catch (SocketException reset) {
            // a reset ends it too
        }
        return b.toString();
    }

    @Test
    void aStopTlsPeerThatNeverAnswersCloseNotifyIsClosedAtTheTimeout() throws Exception {
        server = new InProcessCommand("line-server", "--listen", "127.0.0.1:0", "--cert", "default=" + cert);
        int port = server.port();
        Bystander client = Bystander.start("line-server", new Soak.LineProbe(port, PROBE_BOUND), Duration.ofMillis(100));
        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout((int) Await.EVENT.multipliedBy(2).toMillis());
            plain.getOutputStream().write("STARTTLS\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("OK\n", new String(Bystander.readFully(plain.getInputStream(), 3), StandardCharsets.US_ASCII));
            SSLSocket tls = (SSLSocket) jdk.getSocketFactory().createSocket(plain, "localhost", port, false);
            tls.startHandshake();
            // The server's timer cannot start before it has read STOPTLS: measured from here, however late this
            // thread sees the OK, the close cannot come sooner than the timeout.
            long since = System.nanoTime();
            tls.getOutputStream().write("STOPTLS\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("OK\n", new String(Bystander.readFully(tls.getInputStream(), 3), StandardCharsets.US_ASCII));
            // The server's close_notify comes next; this peer never reads it, so never answers it.
            String after = readToClose(plain.getInputStream());
            Duration took = Duration.ofNanos(System.nanoTime() - since);
            assertTrue(took.compareTo(StopTlsHandler.DEFAULT_TIMEOUT) >= 0, "closed before the close_notify timeout: " + took.toMillis() + " ms");
            assertTrue(after.length() < 100, "only the close_notify record may come after OK, got " + after.length() + " bytes");
        }
        client.assertUnharmed(10, PROBE_BOUND);
    }

    /** A plain echo backend that resets any connection whose data starts with RESET. */
    private Channel backend() throws InterruptedException {
        return new ServerBootstrap().group(backendGroup).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf b = (ByteBuf) msg;
                                if (b.toString(StandardCharsets.US_ASCII).startsWith("RESET")) {
                                    b.release();
                                    ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                                    ctx.close();
                                } else {
                                    ctx.writeAndFlush(msg);
                                }
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    private String proxiedClientSees(int port, String send) throws Exception {
        try (SSLSocket s = (SSLSocket) jdk.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.startHandshake();
            s.getOutputStream().write(send.getBytes(StandardCharsets.US_ASCII));
            return readToClose(s.getInputStream());
        }
    }

    @Test
    void anUpstreamThatResetsOrRefusesClosesOnlyItsOwnClients() throws Exception {
        Channel backend = backend();
        int backendPort = ((InetSocketAddress) backend.localAddress()).getPort();
        server = new InProcessCommand("serve", "--listen", "127.0.0.1:0", "--cert", "default=" + cert,
                "--upstream", "127.0.0.1:" + backendPort);
        int port = server.port();
        // Kept: relayed before the faults, and must stay relayed through them.
        Bystander kept = Bystander.start("proxy-kept", Bystander.keptConnectionEcho(jdk, port, PROBE_BOUND), Duration.ofMillis(100));
        Bystander fresh = Bystander.start("proxy-new", Bystander.newConnectionEcho(jdk, port, PROBE_BOUND), Duration.ofMillis(100));

        for (int i = 0; i < 20; i++) {
            assertEquals("", proxiedClientSees(port, "RESET " + i + "\n"), "a reset upstream's client got data");
        }
        fresh.assertUnharmed(5, PROBE_BOUND);

        backend.close().sync();
        for (int i = 0; i < 20; i++) {
            assertEquals("", proxiedClientSees(port, "hello " + i + "\n"), "a refused upstream's client got data");
        }
        kept.awaitMore(5, PROBE_BOUND);
        kept.assertUnharmed(10, PROBE_BOUND);
        assertTrue(server.lastLines().contains("upstream refused"), server::lastLines);
        assertEquals(0, server.errorLines(), server::lastLines);
    }
}
