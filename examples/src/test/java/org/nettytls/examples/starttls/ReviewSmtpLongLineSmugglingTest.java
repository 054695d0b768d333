package org.nettytls.examples.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsServerContext;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsHandler;

/**
 * Review of issue #16 item 6 and the "only CRLF.CRLF ends a mail" rule: the line decoder drops a
 * line longer than {@link SmtpServerHandler#MAX_LINE} without saying how it ended, and the handler
 * then takes the next line for one that follows a CRLF. A dropped line that ended in a bare LF
 * therefore lets {@code LF . CRLF} end the mail, and what follows runs as commands: a second,
 * smuggled transaction is stored.
 */
class ReviewSmtpLongLineSmugglingTest {
    @TempDir
    Path maildir;

    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final ExecutorService writer = Executors.newSingleThreadExecutor();
    final LinkedBlockingQueue<Path> stored = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        writer.shutdownNow();
    }

    int serve(long maxSize) {
        MailSpool spool = new MailSpool(maildir, writer, stored::add, line -> { });
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
                        ch.pipeline().addLast(starttls, SmtpServerHandler.newLineDecoder(), new SmtpServerHandler(starttls,
                                name -> CompletableFuture.<TlsServerContext>completedFuture(null), spool, maxSize));
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    List<String> storedMails() throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.list(maildir)) {
            return files.map(Path::getFileName).map(Path::toString).sorted().collect(java.util.stream.Collectors.toList());
        }
    }

    @Test
    void aBareLfAfterAnOverlongLineSmugglesNothing() throws Exception {
        try (SmtpServerAttackTest.Client c = new SmtpServerAttackTest.Client(serve(SmtpServerHandler.DEFAULT_MAX_SIZE))) {
            c.ask("EHLO a\r\n");
            c.ask("MAIL FROM:<a@example.org>\r\n");
            c.ask("RCPT TO:<b@example.org>\r\n");
            c.ask("DATA\r\n");
            c.write("Subject: one\r\n\r\n" + "x".repeat(SmtpServerHandler.MAX_LINE + 10) + "\n.\r\n"
                    + "MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n"
                    + "Subject: smuggled\r\n\r\nforged\r\n.\r\n");
            // End the mail for real (if the server still reads it), then take every reply until
            // the server closes or has answered a NOOP.
            try {
                c.write("\r\n.\r\nNOOP\r\n");
                for (String line; (line = c.in.readLine()) != null && !line.contains("2.0.0 OK"); ) {
                    // The replies to whatever the server took for commands.
                }
            } catch (java.io.IOException closed) {
                // The server may end the connection instead; what it stored is what counts.
            }
            Path smuggled = stored.poll(3, TimeUnit.SECONDS);
            String text = smuggled == null ? "" : Files.readString(smuggled, StandardCharsets.ISO_8859_1);
            assertFalse(text.contains("evil@example.org"), "a smuggled mail was stored: " + text);
            assertEquals(List.of(), storedMails().stream().filter(n -> {
                try {
                    return Files.readString(maildir.resolve(n), StandardCharsets.ISO_8859_1).contains("smuggled");
                } catch (java.nio.file.NoSuchFileException refusedMailDeletedMeanwhile) {
                    return false;
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }).collect(java.util.stream.Collectors.toList()));
        }
    }
}
