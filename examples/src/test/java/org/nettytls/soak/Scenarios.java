package org.nettytls.soak;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.nettytls.TlsClientContext;
import org.nettytls.error.TlsException;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.starttls.StopTlsHandler;
import org.nettytls.testing.ClientHellos;

/**
 * What the soak's clients do, one method per kind: well-behaved dialogues that must succeed with
 * every byte intact, and aborts that hang up at every stage of a connection's life. Each method
 * throws when the server did something it should not have.
 */
final class Scenarios {
    /** Every kind of client the soak runs; the abort kinds are the injected faults. */
    enum Kind {
        ECHO_FULL_HANDSHAKE(false),
        ECHO_RESUMED(false),
        BULK_ECHO(false),
        BULK_THROUGH_PROXY(false),
        LINE_STARTTLS_STOPTLS(false),
        SMTP_STARTTLS_MAIL(false),
        FTPS_RETR_RESUMING(false),
        ABORT_MID_CLIENT_HELLO(true),
        ABORT_MID_HANDSHAKE(true),
        ABORT_MID_RECORD(true),
        ABORT_AFTER_CLOSE_NOTIFY(true),
        ABORT_MID_STARTTLS(true),
        ABORT_MID_BULK_THROUGH_PROXY(true),
        ABORT_MID_SMTP_DATA(true),
        ABORT_FTPS_DATA_MID_HANDSHAKE(true),
        ABORT_FTPS_DATA_MID_RETR(true);

        final boolean fault;

        Kind(boolean fault) {
            this.fault = fault;
        }
    }

    static final String HOST = "localhost";
    private static final Duration T = Duration.ofSeconds(30);
    private static final int MAX_BULK = 2 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Ports ports;
    private final TlsClientContext fresh;
    private final TlsClientContext resuming;
    private final TlsClientContext smtpTls;
    private final TlsClientContext ftpTls;
    private final Path ftpRoot;
    private final byte[] clientHello;
    final AtomicLong connections = new AtomicLong();
    final AtomicLong resumed = new AtomicLong();
    final AtomicLong bytesVerified = new AtomicLong();
    final AtomicLong mailsAccepted = new AtomicLong();
    final AtomicLong ftpDataResumed = new AtomicLong();

    /** Where the servers listen. */
    static final class Ports {
        final int echo;
        final int proxy;
        final int line;
        final int smtp;
        final int ftp;

        Ports(int echo, int proxy, int line, int smtp, int ftp) {
            this.echo = echo;
            this.proxy = proxy;
            this.line = line;
            this.smtp = smtp;
            this.ftp = ftp;
        }
    }

    Scenarios(EventLoopGroup group, Ports ports, TlsClientContext fresh, TlsClientContext resuming, TlsClientContext smtpTls,
            TlsClientContext ftpTls, Path ftpRoot) throws TlsException {
        this.ftpTls = ftpTls;
        this.ftpRoot = ftpRoot;
        this.group = group;
        this.ports = ports;
        this.fresh = fresh;
        this.resuming = resuming;
        this.smtpTls = smtpTls;
        this.clientHello = ClientHellos.of(fresh, HOST);
    }

    void run(Kind kind, Random rnd) throws Exception {
        switch (kind) {
            case ECHO_FULL_HANDSHAKE:
                echo(fresh, rnd.nextBoolean() ? ports.echo : ports.proxy, rnd);
                break;
            case ECHO_RESUMED:
                echo(resuming, ports.echo, rnd);
                break;
            case BULK_ECHO:
                bulk(ports.echo, rnd, false);
                break;
            case BULK_THROUGH_PROXY:
                bulk(ports.proxy, rnd, false);
                break;
            case LINE_STARTTLS_STOPTLS:
                lineUpAndDown(rnd);
                break;
            case SMTP_STARTTLS_MAIL:
                smtp(rnd, false);
                break;
            case FTPS_RETR_RESUMING:
                ftp(rnd);
                break;
            case ABORT_MID_CLIENT_HELLO:
                rawAbort(rnd.nextBoolean() ? ports.echo : ports.proxy, 1 + rnd.nextInt(clientHello.length - 1), false, rnd);
                break;
            case ABORT_MID_HANDSHAKE:
                rawAbort(rnd.nextBoolean() ? ports.echo : ports.proxy, clientHello.length, true, rnd);
                break;
            case ABORT_MID_RECORD:
                abortAfterHandshake(rnd, false);
                break;
            case ABORT_AFTER_CLOSE_NOTIFY:
                abortAfterHandshake(rnd, true);
                break;
            case ABORT_MID_STARTTLS:
                abortMidStartTls(rnd);
                break;
            case ABORT_MID_BULK_THROUGH_PROXY:
                bulk(ports.proxy, rnd, true);
                break;
            case ABORT_MID_SMTP_DATA:
                smtp(rnd, true);
                break;
            case ABORT_FTPS_DATA_MID_HANDSHAKE:
                ftpDataAbort(rnd, true);
                break;
            case ABORT_FTPS_DATA_MID_RETR:
                ftpDataAbort(rnd, false);
                break;
            default:
                throw new IllegalArgumentException(kind.name());
        }
    }

    private Conn tls(TlsClientContext tls, int port) throws IOException {
        return tls(tls, port, HOST + ":" + port);
    }

    private Conn tls(TlsClientContext tls, int port, String sessionKey) throws IOException {
        return tls(tls, port, sessionKey, ch -> { });
    }

    /** A TLS connection once its handshake succeeded; {@code after} adds handlers behind the TLS ones. */
    private Conn tls(TlsClientContext tls, int port, String sessionKey, java.util.function.Consumer<io.netty.channel.socket.SocketChannel> after)
            throws IOException {
        SslHandler[] ssl = new SslHandler[1];
        Conn c = Conn.open(group, port, ch -> {
            try {
                ssl[0] = tls.install(ch.pipeline(), HOST, port, sessionKey);
            } catch (TlsException e) {
                throw new IllegalStateException(e);
            }
            after.accept(ch);
        });
        connections.incrementAndGet();
        try {
            Conn.await(ssl[0].handshakeFuture(), T, "handshake with port " + port);
            c.ssl = ssl[0];
        } catch (IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void echo(TlsClientContext tls, int port, Random rnd) throws Exception {
        try (Conn c = tls(tls, port)) {
            if (tls == resuming && TlsConnectionInfo.of(c.ssl).sessionReused().orElse(false)) {
                resumed.incrementAndGet();
            }
            for (int i = 0, n = 1 + rnd.nextInt(3); i < n; i++) {
                String line = "line " + i + " " + Long.toHexString(rnd.nextLong());
                c.writeLine(line);
                expectLine(c, port, line);
                bytesVerified.addAndGet(line.length() + 2);
            }
        }
    }

    /** An echoed line, or a failure that names the port and the client's port (the soak adds what the servers said about it). */
    private static void expectLine(Conn c, int port, String line) throws IOException {
        try {
            c.expectLine(line, T);
        } catch (IOException e) {
            throw named(c, port, e);
        }
    }

    private static IOException named(Conn c, int port, IOException e) {
        return new IOException(e.getMessage() + "; port " + port + ", client port "
                + ((InetSocketAddress) c.channel.localAddress()).getPort(), e);
    }

    /** Random bytes out and the same bytes back, compared whole; or, as a fault, a reset halfway. */
    private void bulk(int port, Random rnd, boolean abort) throws Exception {
        byte[] data = new byte[1024 + rnd.nextInt(MAX_BULK)];
        rnd.nextBytes(data);
        Conn c = tls(fresh, port);
        try {
            for (int off = 0; off < data.length; off += 16384) {
                c.write(Arrays.copyOfRange(data, off, Math.min(data.length, off + 16384)));
            }
            if (abort) {
                c.read(1 + rnd.nextInt(data.length / 2), T);
                c.reset();
                return;
            }
            byte[] back;
            try {
                back = c.read(data.length, Duration.ofSeconds(60));
            } catch (IOException e) {
                throw named(c, port, e);
            }
            if (!MessageDigest.isEqual(sha256(data), sha256(back))) {
                throw new IOException("bulk transfer of " + data.length + " bytes through port " + port + " came back changed");
            }
            bytesVerified.addAndGet(data.length);
        } finally {
            c.close();
        }
    }

    /** line-server: ECHO in plaintext, STARTTLS, ECHO over TLS, STOPTLS, ECHO in plaintext again, twice over. */
    private void lineUpAndDown(Random rnd) throws Exception {
        StartTlsHandler[] st = new StartTlsHandler[1];
        try (Conn c = Conn.open(group, ports.line, ch -> ch.pipeline().addLast(st[0] = new StartTlsHandler(Framing.lines())))) {
            connections.incrementAndGet();
            for (int round = 0, rounds = 1 + rnd.nextInt(2); round < rounds; round++) {
                String plain = "plain " + round + " " + Long.toHexString(rnd.nextLong());
                c.writeLine("ECHO " + plain);
                c.expectLine(plain, T);
                c.writeLine("STARTTLS");
                c.expectLine("OK", T);
                Conn.await(st[0].startClient(fresh, HOST, ports.line), T, "line-server STARTTLS");
                String secret = "tls " + round + " " + Long.toHexString(rnd.nextLong());
                c.writeLine("ECHO " + secret);
                c.expectLine(secret, T);
                c.writeLine("STOPTLS");
                c.expectLine("OK", T);
                Conn.await(st[0].stopTls(StopTlsHandler.Mode.WAIT, T), T, "line-server STOPTLS");
                bytesVerified.addAndGet(plain.length() + secret.length() + 4);
            }
            String last = "after downgrade " + Long.toHexString(rnd.nextLong());
            c.writeLine("ECHO " + last);
            c.expectLine(last, T);
            bytesVerified.addAndGet(last.length() + 2);
        }
    }

    /** smtp-server: STARTTLS, then a mail whose body carries its own SHA-256 (checked in the maildir), or a reset mid-DATA. */
    private void smtp(Random rnd, boolean abort) throws Exception {
        Conn c = upgraded(StartTlsProtocol.SMTP, smtpTls, ports.smtp);
        try {
            c.writeLine("EHLO soak.test");
            c.readLineStartingWith("250 ", T);
            c.writeLine("MAIL FROM:<soak@soak.test>");
            c.readLineStartingWith("250", T);
            c.writeLine("RCPT TO:<sink@soak.test>");
            c.readLineStartingWith("250", T);
            c.writeLine("DATA");
            c.readLineStartingWith("354", T);
            StringBuilder body = new StringBuilder();
            for (int i = 0, n = 1 + rnd.nextInt(200); i < n; i++) {
                byte[] b = new byte[1 + rnd.nextInt(57)];
                rnd.nextBytes(b);
                body.append(Base64.getEncoder().encodeToString(b)).append("\r\n");
            }
            String text = body.toString();
            if (abort) {
                c.write(text.substring(0, rnd.nextInt(text.length())).getBytes(StandardCharsets.US_ASCII));
                c.reset();
                return;
            }
            c.write(("Subject: soak\r\n" + Mails.DIGEST_HEADER + HexFormat.of().formatHex(sha256(text.getBytes(StandardCharsets.US_ASCII)))
                    + "\r\n\r\n" + text + ".\r\n").getBytes(StandardCharsets.US_ASCII));
            c.readLineStartingWith("250", T);
            mailsAccepted.incrementAndGet();
            c.writeLine("QUIT");
            c.readLineStartingWith("221", T);
            if (!c.awaitClosed(T)) {
                throw new IOException("smtp-server did not close after QUIT");
            }
        } finally {
            c.close();
        }
    }

    /**
     * ftp-server: AUTH TLS, login, PROT P, and a file fetched over a passive TLS data connection
     * that offers the control connection's session (FTPS clients resume it), compared whole.
     */
    private void ftp(Random rnd) throws Exception {
        Conn c = ftpLogin();
        try {
            int dataPort = epsv(c);
            String name = "file" + rnd.nextInt(FTP_FILES);
            c.writeLine("RETR " + name);
            byte[] got;
            try (Conn data = tls(ftpTls, dataPort, HOST + ":" + ports.ftp)) {
                if (TlsConnectionInfo.of(data.ssl).sessionReused().orElse(false)) {
                    ftpDataResumed.incrementAndGet();
                }
                c.readLineStartingWith("150", T);
                got = data.readToClose(Duration.ofSeconds(60));
            }
            c.readLineStartingWith("226", T);
            byte[] expected = Files.readAllBytes(ftpRoot.resolve(name));
            if (!MessageDigest.isEqual(sha256(expected), sha256(got))) {
                throw new IOException("RETR " + name + " of " + expected.length + " bytes came back changed (" + got.length + " bytes)");
            }
            bytesVerified.addAndGet(got.length);
            c.writeLine("QUIT");
            c.readLineStartingWith("221", T);
        } finally {
            c.close();
        }
    }

    /**
     * ftp-server, a RETR whose TLS data connection the client abandons: mid-handshake (part of a
     * ClientHello, or all of it and part of the answer, then RST or FIN), or mid-transfer (a
     * few bytes of a file larger than the sockets can buffer, then RST). The control connection
     * must get 425 resp. 426 and then go on answering.
     */
    private void ftpDataAbort(Random rnd, boolean midHandshake) throws Exception {
        Conn c = ftpLogin();
        try {
            int dataPort = epsv(c);
            c.writeLine("RETR " + (midHandshake ? "file" + (1 + rnd.nextInt(FTP_FILES - 1)) : FTP_BIG_FILE));
            c.readLineStartingWith("150", T);
            if (midHandshake) {
                int length = 1 + rnd.nextInt(clientHello.length);
                rawAbort(dataPort, length, length == clientHello.length, rnd);
                expectReply(c, "425 TLS handshake on the data connection failed", "a data connection abandoned after "
                        + length + " of " + clientHello.length + " ClientHello bytes");
            } else {
                // Reads stop at the handshake: the server cannot have sent the whole file when the reset comes.
                Conn data = tls(ftpTls, dataPort, HOST + ":" + ports.ftp, Scenarios::stopReadingAtHandshake);
                try {
                    data.channel.read();
                    data.read(1, T);
                    data.reset();
                } finally {
                    data.close();
                }
                expectReply(c, "426 ", "a data connection reset mid-RETR");
            }
            c.writeLine("NOOP");
            expectReply(c, "200 ", "NOOP after an abandoned data connection");
            c.writeLine("QUIT");
            expectReply(c, "221 ", "QUIT after an abandoned data connection");
        } finally {
            c.close();
        }
    }

    private static void expectReply(Conn c, String prefix, String after) throws IOException {
        String reply;
        try {
            reply = c.readLine(T);
        } catch (IOException e) {
            throw new IOException("ftp-server did not answer " + after + ": " + e.getMessage(), e);
        }
        if (!reply.startsWith(prefix)) {
            throw new IOException("ftp-server answered " + after + " with '" + reply + "', expected '" + prefix + "...'");
        }
    }

    private static void stopReadingAtHandshake(io.netty.channel.socket.SocketChannel ch) {
        ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent) {
                    ctx.channel().config().setAutoRead(false);
                }
                ctx.fireUserEventTriggered(evt);
            }
        });
    }

    /** A connection to {@code port} once {@code protocol}'s client upgraded it to TLS; closed if that fails. */
    private Conn upgraded(StartTlsProtocol protocol, TlsClientContext tls, int port) throws Exception {
        StartTlsClient[] client = new StartTlsClient[1];
        Conn c = Conn.open(group, port, ch -> {
            client[0] = new StartTlsClient(protocol, tls, HOST, port);
            ch.pipeline().addLast(new StartTlsHandler(protocol.clientFraming()), client[0]);
        });
        connections.incrementAndGet();
        try {
            Conn.await(client[0].upgradeFuture(), T, protocol + " upgrade on port " + port);
            return c;
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    /** A control connection after AUTH TLS, login, PBSZ 0, PROT P and TYPE I. */
    private Conn ftpLogin() throws Exception {
        Conn c = upgraded(StartTlsProtocol.FTP, ftpTls, ports.ftp);
        try {
            for (String[] step : new String[][] {{"USER " + FTP_USER, "331"}, {"PASS " + FTP_USER, "230"}, {"PBSZ 0", "200"},
                {"PROT P", "200"}, {"TYPE I", "200"}}) {
                c.writeLine(step[0]);
                c.readLineStartingWith(step[1], T);
            }
            return c;
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    /** EPSV and the data port it names. */
    private static int epsv(Conn c) throws IOException {
        c.writeLine("EPSV");
        String epsv = c.readLineStartingWith("229", T);
        return Integer.parseInt(epsv.substring(epsv.indexOf("(|||") + 4, epsv.lastIndexOf('|')));
    }

    static final String FTP_USER = "soak";
    static final int FTP_FILES = 4;
    /** More than the sockets of a loopback connection buffer, so that a reset mid-RETR always cuts it. */
    static final String FTP_BIG_FILE = "big";
    private static final int FTP_BIG_LENGTH = 48 * 1024 * 1024;

    /** The files ftp-server serves: random bytes, up to 1 MiB, one empty. */
    static void writeFtpFiles(Path root, Random rnd) throws IOException {
        Files.createDirectories(root);
        for (int i = 0; i < FTP_FILES; i++) {
            byte[] b = new byte[i == 0 ? 0 : rnd.nextInt(1024 * 1024)];
            rnd.nextBytes(b);
            Files.write(root.resolve("file" + i), b);
        }
        byte[] big = new byte[FTP_BIG_LENGTH];
        rnd.nextBytes(big);
        Files.write(root.resolve(FTP_BIG_FILE), big);
    }

    /** A raw socket sends the first {@code length} bytes of a ClientHello (and reads the server's answer) and hangs up. */
    private void rawAbort(int port, int length, boolean readAnswer, Random rnd) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            connections.incrementAndGet();
            s.setSoTimeout((int) T.toMillis());
            s.getOutputStream().write(clientHello, 0, length);
            s.getOutputStream().flush();
            if (readAnswer && s.getInputStream().read() < 0) {
                throw new IOException("the server closed instead of answering a whole ClientHello on port " + port);
            }
            hangUp(s, rnd);
        }
    }

    /**
     * After a handshake and an echo, either the header and part of a record that never completes,
     * or a close_notify followed by bytes that have no business coming after it; then a reset.
     */
    private void abortAfterHandshake(Random rnd, boolean afterCloseNotify) throws Exception {
        int port = rnd.nextBoolean() ? ports.echo : ports.proxy;
        Conn c = tls(fresh, port);
        try {
            c.writeLine("before the abort");
            expectLine(c, port, "before the abort");
            if (afterCloseNotify) {
                SslHandler ssl = c.channel.pipeline().get(SslHandler.class);
                ssl.closeOutbound().awaitUninterruptibly(T.toMillis());
                byte[] junk = new byte[1 + rnd.nextInt(64)];
                rnd.nextBytes(junk);
                c.writeRaw(junk);
            } else {
                byte[] partial = new byte[5 + rnd.nextInt(300)];
                rnd.nextBytes(partial);
                partial[0] = 23;
                partial[1] = 3;
                partial[2] = 3;
                partial[3] = 0x40;
                partial[4] = 0;
                // A record header promising 16 KiB, and far fewer bytes.
                c.writeRaw(partial);
            }
            c.reset();
        } finally {
            c.close();
        }
    }

    /** line-server: STARTTLS accepted, then half a ClientHello and a hang-up. */
    private void abortMidStartTls(Random rnd) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", ports.line), 10_000);
            connections.incrementAndGet();
            s.setSoTimeout((int) T.toMillis());
            s.getOutputStream().write("STARTTLS\n".getBytes(StandardCharsets.US_ASCII));
            byte[] ok = org.nettytls.testing.Bystander.readFully(s.getInputStream(), 3);
            if (!Arrays.equals(ok, "OK\n".getBytes(StandardCharsets.US_ASCII))) {
                throw new IOException("line-server answered STARTTLS with '" + new String(ok, StandardCharsets.US_ASCII) + "'");
            }
            s.getOutputStream().write(clientHello, 0, rnd.nextInt(clientHello.length));
            hangUp(s, rnd);
        }
    }

    /** A reset (SO_LINGER 0) or a plain close, at random. */
    private static void hangUp(Socket s, Random rnd) throws IOException {
        if (rnd.nextBoolean()) {
            s.setSoLinger(true, 0);
        }
        s.close();
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
