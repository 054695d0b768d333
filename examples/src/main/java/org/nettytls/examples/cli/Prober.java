package org.nettytls.examples.cli;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Future;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.VerifyMode;
import org.nettytls.examples.HostPort;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;

/**
 * {@code probe}'s client: connects to one target, directly or after talking its STARTTLS protocol
 * up to the upgrade point, through the same install path as any netty-tls client (every check the
 * options ask for), and returns what the handshake found once the peer's verdict is in. Knows
 * nothing of how the results are reported ({@link ProbeReport}).
 */
final class Prober {
    /** The versions {@link #enumerate} tries, oldest first; BoringSSL has no SSLv3. */
    static final List<String> VERSIONS = List.of("TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3");

    /** One version's result of {@link #enumerate}: the cipher chosen when accepted, else why it was refused. */
    record VersionResult(String version, String cipher, TlsException refused) {
    }

    private final HostPort target;
    private final StartTlsProtocol protocol;
    private final int timeoutSeconds;

    /**
     * @param protocol the STARTTLS protocol to talk first, or {@code null} for TLS from the first byte
     * @param timeoutSeconds for the connect, the handshake and the verdict, each
     */
    Prober(HostPort target, StartTlsProtocol protocol, int timeoutSeconds) {
        this.target = target;
        this.protocol = protocol;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Connects once; with {@code awaitTicket}, gives the server a moment to send a TLS 1.3 ticket before closing. */
    TlsConnectionInfo connect(TlsClientContext tls, boolean awaitTicket) throws TlsException, InterruptedException {
        // Completes with the handshake event that passes the OCSP handler, which holds it until its verdict.
        CompletableFuture<Throwable> verdict = new CompletableFuture<>();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicReference<TlsException> setupFailure = new AtomicReference<>();
        AtomicReference<StartTlsClient> upgrade = new AtomicReference<>();
        // Kept here: a server that closes at once takes the handler out of the pipeline before we look.
        AtomicReference<SslHandler> direct = new AtomicReference<>();
        try {
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutSeconds * 1000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            try {
                                if (protocol == null) {
                                    direct.set(tls.install(ch.pipeline(), target.host(), target.port()));
                                } else {
                                    // The same install path as above: StartTlsHandler.startClient adds every check.
                                    upgrade.set(new StartTlsClient(protocol, tls, target.host(), target.port()));
                                    ch.pipeline().addLast(new StartTlsHandler(protocol.clientFraming()), upgrade.get());
                                }
                                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt instanceof SslHandshakeCompletionEvent) {
                                            verdict.complete(((SslHandshakeCompletionEvent) evt).cause());
                                        }
                                        ctx.fireUserEventTriggered(evt);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        verdict.complete(new ClosedChannelException());
                                        ctx.fireChannelInactive();
                                    }
                                });
                            } catch (TlsException e) {
                                setupFailure.set(e);
                                ch.close();
                            }
                        }
                    });
            ChannelFuture connected = b.connect(target.host(), target.port());
            if (!connected.await(timeoutSeconds + 1L, TimeUnit.SECONDS) || !connected.isSuccess()) {
                if (setupFailure.get() != null) {
                    throw setupFailure.get();
                }
                Throwable cause = connected.cause();
                throw new TlsException(TlsErrorCode.CONNECTION_FAILED, "cannot connect to " + target + ": "
                        + (cause == null ? "timed out after " + timeoutSeconds + " s" : cause.getMessage()), cause);
            }
            Channel ch = connected.channel();
            Future<Channel> handshake = protocol == null ? direct.get().handshakeFuture() : upgrade.get().upgradeFuture();
            if (!handshake.await(timeoutSeconds + 2L, TimeUnit.SECONDS)) {
                throw new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT, "no handshake with " + target + " within "
                        + timeoutSeconds + " s");
            }
            if (!handshake.isSuccess()) {
                throw TlsException.classify(handshake.cause());
            }
            Throwable refused;
            try {
                refused = verdict.get(timeoutSeconds + 2L, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT, "no OCSP verdict on " + target + " within "
                        + timeoutSeconds + " s", e);
            }
            if (refused != null) {
                throw TlsException.classify(refused);
            }
            SslHandler ssl = direct.get() != null ? direct.get() : ch.pipeline().get(SslHandler.class);
            TlsConnectionInfo info;
            try {
                info = TlsConnectionInfo.of(ch);
            } catch (TlsException closedMeanwhile) {
                // A server may close right after the handshake (refusing our certificate, say).
                if (ssl == null) {
                    throw closedMeanwhile;
                }
                info = TlsConnectionInfo.of(ssl);
            }
            if (awaitTicket) {
                awaitSession(tls);
            }
            ch.close().await(2, TimeUnit.SECONDS);
            return info;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /**
     * One connection per version with only that version offered, every cipher (so that a TLS 1.0
     * server is not refused for want of a CBC suite) and verification off, since the question is
     * which versions the server speaks, not whether it can be trusted (the report says that).
     *
     * @param cipher the cipher string to offer, or {@code null} for every cipher ({@code ALL})
     * @param serverName sets the server name as the probe's own connection sends it
     * @throws TlsException when the target cannot be reached at all, or an option is bad
     */
    List<VersionResult> enumerate(String cipher, UnaryOperator<TlsClientOptions.Builder> serverName)
            throws TlsException, InterruptedException {
        List<VersionResult> versions = new ArrayList<>();
        for (String v : VERSIONS) {
            TlsClientOptions.Builder b = serverName.apply(TlsClientOptions.builder().verifyMode(VerifyMode.NONE).version(v)
                    .cipherList(cipher != null ? cipher : "ALL").handshakeTimeout(Duration.ofSeconds(timeoutSeconds)));
            try {
                TlsConnectionInfo info = connect(TlsClientContext.create(b.build()), false);
                versions.add(new VersionResult(v, info.cipher(), null));
            } catch (TlsException e) {
                if (e.code() == TlsErrorCode.CONNECTION_FAILED || Main.isInputError(e.code())) {
                    throw e;
                }
                versions.add(new VersionResult(v, null, e));
            }
        }
        return versions;
    }

    /**
     * TLS 1.3 tickets arrive after the handshake: give the server a moment to send one before
     * closing, so the next connection can resume (a server that sends none just costs the wait).
     */
    private void awaitSession(TlsClientContext tls) throws InterruptedException {
        String key = target.host() + ":" + target.port();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!tls.sessionCache().contains(key) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
