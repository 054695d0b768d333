package org.nettytls.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.starttls.StopTlsHandler;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.testing.Processes;

/** {@code SSL_error_trap}, {@code SSL_keepSocketOnError} and the close modes over real sockets. */
class ErrorTrapTest {
    static HeldCertificate ca;
    static HeldCertificate leaf;
    private final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Trap CA").certificateAuthority(0).build();
        leaf = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(ca).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    private int server(ErrorTrap trap) throws Exception {
        return loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .errorTrap(trap).build()), s -> { });
    }

    private static String plainHttp(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void plainHttpToTheTlsPortGetsA400() throws Exception {
        int port = server(PlainHttpAnswer.badRequest());
        String answer = plainHttp(port, "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), answer);
        assertTrue(answer.contains("use https://"), answer);
    }

    @Test
    void plainHttpIsRedirectedWithItsPath() throws Exception {
        int port = server(PlainHttpAnswer.redirectTo("https://localhost:8443/"));
        String answer = plainHttp(port, "GET /a/b?c=d HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 301 Moved Permanently\r\n"), answer);
        assertTrue(answer.contains("\r\nLocation: https://localhost:8443/a/b?c=d\r\n"), answer);
    }

    /**
     * A path that would split the response for a client that ends a line at a bare CR, or write
     * control sequences to a terminal: every byte outside RFC 3986's path characters comes back
     * percent-encoded, so the answer's header lines are the server's alone.
     */
    @Test
    void aHostilePathCannotSplitTheRedirect() throws Exception {
        int port = server(PlainHttpAnswer.redirectTo("https://localhost:8443"));
        String answer = plainHttpLatin1(port, "GET /a\rSet-Cookie:\u0000x=1\u001b[31m%zz%41\"<\u00e9> HTTP/1.1\r\n\r\n");
        assertTrue(answer.contains("\r\nLocation: https://localhost:8443/a%0DSet-Cookie:%00x=1%1B%5B31m%25zz%41%22%3C%E9%3E\r\n"),
                answer);
        String head = answer.substring(0, answer.indexOf("\r\n\r\n"));
        for (char c : head.toCharArray()) {
            assertTrue(c == '\r' || c == '\n' || (c >= 0x20 && c < 0x7f), "a control or non-ASCII byte in the header: " + answer);
        }
        String joined = head.replace("\r\n", "");
        assertTrue(joined.indexOf('\r') < 0 && joined.indexOf('\n') < 0, "a bare CR or LF in the header: " + answer);
    }

    private static String plainHttpLatin1(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void curlSpeakingHttpToTheTlsPortReadsTheAnswer() throws Exception {
        String curl = Interop.require("curl");
        int port = server(PlainHttpAnswer.redirectTo("https://localhost:8443"));
        Processes.Result r = curlHttp(curl, port, "/index.html");
        assertTrue(r.stdout.contains("301 Moved Permanently"), r::toString);
        assertTrue(r.stdout.contains("Location: https://localhost:8443/index.html"), r::toString);
    }

    /** {@code curl -i http://127.0.0.1:PORT/PATH}, which must succeed. */
    private static Processes.Result curlHttp(String curl, int port, String path) {
        Processes.Result r = Processes.run(null, Duration.ofSeconds(20), new byte[0],
                List.of(curl, "-sS", "-i", "http://127.0.0.1:" + port + path));
        assertEquals(0, r.exit, r::toString);
        return r;
    }

    @Test
    void tlsClientsAreUntouchedByTheTrap() throws Exception {
        int port = server(PlainHttpAnswer.badRequest());
        Side client = loop.client(TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate())
                .build()), "localhost", port);
        client.handshake.get(10, TimeUnit.SECONDS);
        Loopback.writeNow(client, "hello\n");
        client.awaitReceived("hello\n");
    }

    @Test
    void aFailedVerificationHandsTheChannelToTheTrapOpen() throws Exception {
        HeldCertificate stranger = HeldCertificate.builder().dns("localhost").build();
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(stranger.keyMaterial())
                .build()), s -> { });
        CompletableFuture<TlsException> trapped = new CompletableFuture<>();
        CompletableFuture<Boolean> openInTrap = new CompletableFuture<>();
        TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate())
                .errorTrap((ch, e) -> {
                    openInTrap.complete(ch.isOpen() && ch.pipeline().get(SslHandler.class) == null);
                    trapped.complete(e);
                    ch.close();
                }).build());
        loop.client(tls, "localhost", port);
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, trapped.get(10, TimeUnit.SECONDS).code());
        assertTrue(openInTrap.get(), "the trap gets the channel open and without TLS");
    }

    @Test
    void keepSocketOnErrorLeavesTheChannelOpen() throws Exception {
        HeldCertificate stranger = HeldCertificate.builder().dns("localhost").build();
        // The server keeps its socket too, so the connection can only end if a side closes it
        // although told to keep it.
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(stranger.keyMaterial())
                .keepSocketOnError(true).build()), accepted::complete);
        Side client = loop.client(TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate())
                .keepSocketOnError(true).build()), "localhost", port);
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, TlsException.classify(client.handshakeFailure()).code());
        Channel ch = client.channel;
        ch.eventLoop().submit(() -> { }).get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
        ch.eventLoop().submit(() -> { }).get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(ch.isOpen(), "the socket stays open");
        assertTrue(ch.pipeline().get(SslHandler.class) == null, "without TLS");
        Side server = accepted.get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
        server.handshake.handle((c, e) -> null).get(10, TimeUnit.SECONDS);
        assertTrue(server.channel.isOpen(), "the server kept its socket as well");
    }

    /** FAST sends close_notify when closing, NONE sends nothing: the peer sees the difference. */
    @Test
    void closeModesDecideWhetherTheServerSendsCloseNotify() throws Exception {
        assertTrue(peerSawCloseNotify(StopTlsHandler.Mode.FAST));
        assertFalse(peerSawCloseNotify(StopTlsHandler.Mode.NONE));
    }

    private boolean peerSawCloseNotify(StopTlsHandler.Mode mode) throws Exception {
        TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .closeMode(mode, Duration.ofSeconds(5)).build());
        return peerSawCloseNotify(ch -> server.install(ch.pipeline()), "localhost");
    }

    /** Whether a client connecting with SNI {@code name} sees close_notify when the server closes. */
    private boolean peerSawCloseNotify(Consumer<SocketChannel> serverSetup, String name) throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = loop.server(serverSetup, accepted::complete, true);
        CompletableFuture<Boolean> closeNotify = new CompletableFuture<>();
        Side client = loop.client(ch -> {
            try {
                TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build())
                        .install(ch.pipeline(), name, port);
                ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof SslCloseCompletionEvent) {
                            closeNotify.complete(((SslCloseCompletionEvent) evt).isSuccess());
                        }
                        ctx.fireUserEventTriggered(evt);
                    }

                    @Override
                    public void channelInactive(io.netty.channel.ChannelHandlerContext ctx) {
                        closeNotify.complete(false);
                        ctx.fireChannelInactive();
                    }
                });
            } catch (TlsException e) {
                throw new IllegalStateException(e);
            }
        }, port);
        client.handshake.get(10, TimeUnit.SECONDS);
        Loopback.writeNow(client, "x\n");
        client.awaitReceived("x\n");
        accepted.get(Await.EVENT.toSeconds(), TimeUnit.SECONDS).channel.close().sync();
        return closeNotify.get(10, TimeUnit.SECONDS);
    }

    // The SNI selector installs the chosen name's handlers from its options, as
    // TlsServerContext.install does: their trap and close mode apply.

    private int sniServer(SniMapping mapping) {
        return loop.server(ch -> SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS), s -> { }, true);
    }

    private static HeldCertificate named(String name) throws TlsException {
        return HeldCertificate.builder().dns(name).signedBy(ca).build();
    }

    @Test
    void plainHttpToAnSniServerGetsTheAnswerOfTheDefaultNamesTrap() throws Exception {
        int port = sniServer(SniMapping.builder()
                .add("other.test", TlsServerOptions.builder().certificate(named("other.test").keyMaterial())
                        .errorTrap(PlainHttpAnswer.redirectTo("https://other.test")).build())
                .add(SniMapping.DEFAULT, TlsServerOptions.builder().certificate(leaf.keyMaterial())
                        .errorTrap(PlainHttpAnswer.redirectTo("https://localhost:8443")).build())
                .build());
        String answer = plainHttp(port, "GET /over/sni HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 301 Moved Permanently\r\n"), answer);
        assertTrue(answer.contains("\r\nLocation: https://localhost:8443/over/sni\r\n"), answer);
    }

    @Test
    void plainHttpToAnSniServerWhoseDefaultHasNoTrapIsClosed() throws Exception {
        int port = sniServer(SniMapping.builder()
                .add("other.test", TlsServerOptions.builder().certificate(named("other.test").keyMaterial())
                        .errorTrap(PlainHttpAnswer.badRequest()).build())
                .add(SniMapping.DEFAULT, TlsServerOptions.builder().certificate(leaf.keyMaterial()).build())
                .build());
        assertEquals("", plainHttp(port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    }

    @Test
    void curlSpeakingHttpToAnSniServerReadsTheTrapsAnswer() throws Exception {
        String curl = Interop.require("curl");
        int port = sniServer(SniMapping.builder()
                .add(SniMapping.DEFAULT, TlsServerOptions.builder().certificate(leaf.keyMaterial())
                        .errorTrap(PlainHttpAnswer.badRequest()).build())
                .build());
        Processes.Result r = curlHttp(curl, port, "/");
        assertTrue(r.stdout.startsWith("HTTP/1.1 400 Bad Request"), r::toString);
        assertTrue(r.stdout.contains("use https://"), r::toString);
    }

    @Test
    void theChosenNamesTrapTakesItsFailedHandshakeAndTlsStillWorksForTheOthers() throws Exception {
        CompletableFuture<TlsException> strictTrap = new CompletableFuture<>();
        CompletableFuture<Boolean> openInTrap = new CompletableFuture<>();
        CompletableFuture<TlsException> defaultTrap = new CompletableFuture<>();
        int port = sniServer(SniMapping.builder()
                .add("strict.test", TlsServerOptions.builder().certificate(named("strict.test").keyMaterial())
                        .verifyMode(org.nettytls.VerifyMode.REQUIRE).caCertificates(ca.certificate())
                        .errorTrap((ch, e) -> {
                            openInTrap.complete(ch.isOpen() && ch.pipeline().get(SslHandler.class) == null);
                            strictTrap.complete(e);
                            ch.close();
                        }).build())
                .add(SniMapping.DEFAULT, TlsServerOptions.builder().certificate(leaf.keyMaterial())
                        .errorTrap((ch, e) -> {
                            defaultTrap.complete(e);
                            ch.close();
                        }).build())
                .build());
        TlsClientContext noCert = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build());
        Side fine = loop.client(noCert, "localhost", port);
        fine.handshake.get(10, TimeUnit.SECONDS);
        Loopback.writeNow(fine, "through the selector\n");
        fine.awaitReceived("through the selector\n");

        loop.client(noCert, "strict.test", port);
        TlsException trapped = strictTrap.get(10, TimeUnit.SECONDS);
        assertTrue(trapped.getMessage().toLowerCase(java.util.Locale.ROOT).contains("certificate"), trapped::toString);
        assertTrue(openInTrap.get(), "the trap gets the channel open and without TLS");
        assertFalse(defaultTrap.isDone(), "the failure went to the chosen name's trap, not the default's");
    }

    @Test
    void theChosenNamesCloseModeDecidesWhetherCloseNotifyIsSent() throws Exception {
        SniMapping mapping = SniMapping.builder()
                .add("quiet.test", TlsServerOptions.builder().certificate(named("quiet.test").keyMaterial())
                        .closeMode(StopTlsHandler.Mode.NONE, Duration.ofSeconds(5)).build())
                .add(SniMapping.DEFAULT, TlsServerOptions.builder().certificate(leaf.keyMaterial()).build())
                .build();
        Consumer<SocketChannel> setup = ch -> SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
        assertFalse(peerSawCloseNotify(setup, "quiet.test"));
        assertTrue(peerSawCloseNotify(setup, "localhost"));
    }
}
