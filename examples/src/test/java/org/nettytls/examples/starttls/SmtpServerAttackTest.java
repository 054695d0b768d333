package org.nettytls.examples.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsServerContext;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.testing.Await;

/**
 * smtp-server against clients written to break it, in plaintext before TLS and AUTH: a mail far
 * over the size limit, a mail large enough that buffering it would show in the heap, command lines
 * with bare CR or LF that would forge a stored header, and a bare-LF end of data that would
 * smuggle a second command set.
 */
class SmtpServerAttackTest {
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

    /** A hostile client: writes exactly the bytes given, reads reply lines. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final BufferedReader in;

        Client(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            assertTrue(reply().startsWith("220 "));
        }

        void write(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** The last line of the next reply (multi-line replies read whole). */
        String reply() throws IOException {
            String line;
            do {
                line = in.readLine();
                if (line == null) {
                    throw new IOException("connection closed");
                }
            } while (line.length() > 3 && line.charAt(3) == '-');
            return line;
        }

        String ask(String raw) throws IOException {
            write(raw);
            return reply();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    List<String> storedMails() {
        try (Stream<Path> files = Files.list(maildir)) {
            return files.map(Path::getFileName).map(Path::toString).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + maildir, e);
        }
    }

    @Test
    void sizeIsAdvertisedAndADeclaredSizeOverTheLimitIsRefused() throws Exception {
        try (Client c = new Client(serve(64 * 1024))) {
            c.write("EHLO a\r\n");
            List<String> ehlo = new java.util.ArrayList<>();
            String line;
            do {
                line = c.in.readLine();
                ehlo.add(line);
            } while (line.charAt(3) == '-');
            assertTrue(ehlo.contains("250-SIZE 65536"), ehlo.toString());
            assertTrue(c.ask("MAIL FROM:<a@example.org> SIZE=65537\r\n").startsWith("552 5.3.4"));
            assertTrue(c.ask("MAIL FROM:<a@example.org> SIZE=65536\r\n").startsWith("250 "));
        }
    }

    @Test
    void aMailOverTheLimitIsRefusedWith552AndNotStored() throws Exception {
        try (Client c = new Client(serve(64 * 1024))) {
            c.ask("EHLO a\r\n");
            c.ask("MAIL FROM:<a@example.org>\r\n");
            c.ask("RCPT TO:<b@example.org>\r\n");
            assertTrue(c.ask("DATA\r\n").startsWith("354 "));
            String line = "x".repeat(998) + "\r\n";
            for (int i = 0; i < 200; i++) {
                c.write(line);
            }
            assertTrue(c.ask(".\r\n").startsWith("552 5.3.4"));
            // The connection goes on, and the next mail within the limit is taken.
            c.ask("MAIL FROM:<a@example.org>\r\n");
            c.ask("RCPT TO:<b@example.org>\r\n");
            c.ask("DATA\r\n");
            assertTrue(c.ask("small\r\n.\r\n").startsWith("250 "));
            assertTrue(stored.poll(10, TimeUnit.SECONDS).getFileName().toString().equals("2.eml"));
            assertEquals(List.of("2.eml"), storedMails());
        }
    }

    /**
     * 128 MiB of mail from an unauthenticated plaintext client: the heap that is still in use,
     * measured after a collection just before the final dot, stays within a few MiB of what it was
     * before the mail (the old handler held the whole mail as text, twice its size). The mail ends
     * up on disk whole.
     */
    @Test
    void memoryStaysFlatWhileAHugeMailStreamsToDisk() throws Exception {
        long mail = 128L * 1024 * 1024;
        try (Client c = new Client(serve(1024L * 1024 * 1024))) {
            c.ask("EHLO a\r\n");
            c.ask("MAIL FROM:<a@example.org>\r\n");
            c.ask("RCPT TO:<b@example.org>\r\n");
            assertTrue(c.ask("DATA\r\n").startsWith("354 "));
            long before = retainedHeap();
            byte[] block = ("y".repeat(998) + "\r\n").repeat(64).getBytes(StandardCharsets.US_ASCII);
            for (long sent = 0; sent < mail; sent += block.length) {
                c.out.write(block);
            }
            c.out.flush();
            long during = retainedHeap();
            assertTrue(during - before < 32L * 1024 * 1024, "the heap grew by " + (during - before) / 1024 / 1024
                    + " MiB while receiving a " + mail / 1024 / 1024 + " MiB mail");
            assertTrue(c.ask(".\r\n").startsWith("250 "));
            Path file = stored.poll(60, TimeUnit.SECONDS);
            assertTrue(Files.size(file) > mail, "stored " + Files.size(file) + " bytes");
            Files.delete(file);
        }
    }

    static long retainedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void bareCrOrLfInACommandIsRefusedAndForgesNoHeader() throws Exception {
        try (Client c = new Client(serve(SmtpServerHandler.DEFAULT_MAX_SIZE))) {
            c.ask("EHLO a\r\n");
            // A reader of the stored mail that ends lines at a bare CR would see a header of the attacker's.
            assertTrue(c.ask("MAIL FROM:<a@example.org>\rX-TLS: true (authenticated)\r\n").startsWith("500 5.5.2"));
            assertTrue(c.ask("MAIL FROM:<a@example.org>\nX-TLS: true (authenticated)\r\n").startsWith("500 5.5.2"));
            assertTrue(c.reply().startsWith("500 5.5.2"), "the rest after the bare LF is a line of its own, refused too");
            assertTrue(c.ask("MAIL FROM:<a@example.org>\r\n").startsWith("250 "));
            assertTrue(c.ask("RCPT TO:<b@example.org>\rX-TLS: true (authenticated)\r\n").startsWith("500 5.5.2"));
            assertTrue(c.ask("RCPT TO:<b\u0001@example.org>\r\n").startsWith("501 "));
            assertTrue(c.ask("RCPT TO:<b@example.org>\r\n").startsWith("250 "));
            c.ask("DATA\r\n");
            assertTrue(c.ask("Subject: hi\r\n\r\nbody\r\n.\r\n").startsWith("250 "));
            String text = Files.readString(stored.poll(10, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1);
            List<String> lines = Arrays.asList(text.split("\r\n", -1));
            assertEquals(List.of("X-TLS: false"), lines.stream().filter(l -> l.startsWith("X-TLS")).collect(Collectors.toList()));
            assertEquals("X-Envelope-From: <a@example.org>", lines.get(0));
            assertFalse(text.replace("\r\n", "").contains("\r") || text.replace("\r\n", "").contains("\n"), text);
        }
    }

    @Test
    void aBareLfEndOfDataSmugglesNothing() throws Exception {
        try (Client c = new Client(serve(SmtpServerHandler.DEFAULT_MAX_SIZE))) {
            c.ask("EHLO a\r\n");
            c.ask("MAIL FROM:<a@example.org>\r\n");
            c.ask("RCPT TO:<b@example.org>\r\n");
            c.ask("DATA\r\n");
            // CVE-2023-51764 and its kin: "\n.\n" (or "\r.\r") is no end of data here, so the
            // second transaction inside is mail text, and the mail with bare line ends is refused.
            c.write("Subject: one\r\n\r\nfirst\n.\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n"
                    + "Subject: smuggled\r\n\r\n.\r\n");
            assertTrue(c.reply().startsWith("550 5.6.0"));
            assertTrue(c.ask("NOOP\r\n").startsWith("250 "), "no reply was pending from smuggled commands");
            // The refused mail's partial file is deleted by the spool's writer after the reply: wait for it.
            Await.until(() -> storedMails().isEmpty(), () -> "stored or left behind: " + storedMails());
        }
    }
}
