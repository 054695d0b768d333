package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsEvent;
import org.nettytls.starttls.StartTlsHandler;

import org.nettytls.starttls.StopTlsHandler;
import org.nettytls.testing.Interop;
import org.nettytls.testing.LineClient;

/**
 * The client side of StartTlsHandler and StopTlsHandler against servers nobody here wrote: the
 * reference's start_SSL/stop_SSL on one socket, and OpenSSL sending a TLS 1.3 KeyUpdate right
 * before its close_notify.
 */
class StartStopTlsPeersTest {
    @TempDir
    static Path dir;
    static Path cert;
    static Path key;
    static TlsClientContext tls;

    final LineClient client = new LineClient();
    Channel channel;

    @BeforeAll
    static void pki() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(ca).build();
        List<Path> files = server.writeTo(dir.resolve("server"));
        cert = files.get(0);
        key = files.get(1);
        tls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build());
    }

    @AfterEach
    void stop() {
        client.close();
    }

    /** The mirror of line-server in the reference's own terms: start_SSL and stop_SSL on one socket. */
    private static final String PERL_SERVER = """
            use strict;
            use warnings;
            use IO::Socket::INET;
            use IO::Socket::SSL;
            my ($cert, $key) = @ARGV;
            $| = 1;
            alarm 30;
            my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1, ReuseAddr => 1) or die "listen: $!";
            print "port ", $l->sockport, "\\n";
            my $s = $l->accept or die "accept: $!";
            while (defined(my $line = <$s>)) {
                $line =~ s/\\r?\\n\\z//;
                if ($line =~ /^ECHO (.*)/) { print $s "$1\\n"; }
                elsif ($line eq 'STARTTLS') {
                    print $s "OK\\n";
                    IO::Socket::SSL->start_SSL($s, SSL_server => 1, SSL_cert_file => $cert, SSL_key_file => $key)
                        or die "start_SSL: $SSL_ERROR";
                    print "tls ", $s->get_sslversion, "\\n";
                }
                elsif ($line eq 'STOPTLS') {
                    print $s "OK\\n";
                    $s->stop_SSL or die "stop_SSL: $SSL_ERROR";
                    print "plain\\n";
                }
                else { print $s "ERR\\n"; }
            }
            print "DONE\\n";
            """;

    @Test
    void nettyClientAgainstPerlStartSslAndStopSsl() throws Exception {
        String perl = Interop.requirePerlIoSocketSsl();
        Path script = Files.writeString(dir.resolve("server.pl"), PERL_SERVER);
        try (PeerProcess server = PeerProcess.start(dir, perl, script.toString(), cert.toString(), key.toString())) {
            int port = server.awaitPort("port (\\d+)");
            StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
            String[] asked = {""};
            channel = client.connect(port, starttls, (ctx, line) -> {
                if (line.equals("OK") && asked[0].equals("STARTTLS")) {
                    starttls.startClient(tls, "localhost", port);
                } else if (line.equals("OK") && asked[0].equals("STOPTLS")) {
                    starttls.stopTls(StopTlsHandler.Mode.WAIT, Duration.ofSeconds(10));
                }
            });
            for (int round = 1; round <= 2; round++) {
                asked[0] = "ECHO";
                client.write("ECHO plain " + round + "\n");
                assertEquals("line:plain " + round + " (plain)", client.next());
                asked[0] = "STARTTLS";
                client.write("STARTTLS\n");
                assertEquals("line:OK (plain)", client.next());
                assertEquals("StartTlsEvent(UPGRADED)", client.next());
                server.awaitStdout("tls TLSv1_3");
                asked[0] = "ECHO";
                client.write("ECHO over tls " + round + "\n");
                assertEquals("line:over tls " + round + " (tls)", client.next());
                asked[0] = "STOPTLS";
                client.write("STOPTLS\n");
                assertEquals("line:OK (tls)", client.next());
                assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
            }
            asked[0] = "ECHO";
            client.write("ECHO plain again\n");
            assertEquals("line:plain again (plain)", client.next());
            asked[0] = "STARTTLS";
            client.write("STARTTLS\n");
            assertEquals("line:OK (plain)", client.next());
            assertEquals("StartTlsEvent(UPGRADED)", client.next());
            asked[0] = "ECHO";
            client.write("ECHO tls at last\n");
            assertEquals("line:tls at last (tls)", client.next());
            channel.close().syncUninterruptibly();
            server.awaitStdout("DONE");
            assertTrue(server.stdout().split("plain\n", -1).length == 3, server.stdout());
        }
    }

    /**
     * OpenSSL's s_server sends a KeyUpdate (with update_requested, which BoringSSL cannot answer once
     * its close_notify is out) on {@code K}. The client holds its reads until the KeyUpdate is on the
     * wire, then sends close_notify, then reads: the KeyUpdate arrives after our close_notify and
     * before the peer's, is consumed, and the downgrade ends at the peer's close_notify, which
     * s_server sends when it reads ours.
     */
    @Test
    void aKeyUpdateBeforeThePeersCloseNotifyIsConsumed() throws Exception {
        String openssl = Interop.require("openssl");
        // s_server reports the KeyUpdate with printf: line-buffered, the report comes when it is sent.
        String stdbuf = Interop.require("stdbuf");
        try (PeerProcess server = PeerProcess.start(dir, stdbuf, "-oL", openssl, "s_server", "-accept", "127.0.0.1:0", "-tls1_3",
                "-cert", cert.toString(), "-key", key.toString(), "-naccept", "1")) {
            int port = server.awaitPort("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
            SslHandler ssl = tls.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, "localhost", port);
            StopTlsHandler stopper = new StopTlsHandler(ssl, false);
            channel = client.connect(port, null, (ctx, line) -> { });
            channel.pipeline().addFirst(ssl);
            channel.pipeline().addFirst(stopper);
            assertTrue(ssl.handshakeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS) && ssl.handshakeFuture().isSuccess(),
                    String.valueOf(ssl.handshakeFuture().cause()));
            server.send("over tls\n");
            assertEquals("line:over tls (tls)", client.next());
            channel.eventLoop().submit(() -> channel.config().setAutoRead(false)).syncUninterruptibly();
            server.send("K\n");
            server.awaitStdout("SSL_do_handshake -> 1");
            Future<Channel> stopped = channel.eventLoop().submit(() -> stopper.stop(StopTlsHandler.Mode.WAIT, Duration.ofSeconds(10)))
                    .syncUninterruptibly().getNow();
            channel.config().setAutoRead(true);
            assertTrue(stopped.awaitUninterruptibly(10, TimeUnit.SECONDS) && stopped.isSuccess(), stopped.cause() + "\n" + client.seen());
            assertEquals("StartTlsEvent(DOWNGRADED)", client.next());
            assertTrue(client.seen().stream().noneMatch(e -> e.startsWith("exception:") || e.startsWith("line:")), client.seen().toString());
        }
    }
}
