package org.nettytls.examples.demo;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.Fingerprint;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.examples.serve.SniEchoHandler;
import org.nettytls.examples.starttls.FtpServer;
import org.nettytls.examples.starttls.LineServerHandler;
import org.nettytls.examples.starttls.MailSpool;
import org.nettytls.examples.starttls.SmtpServerHandler;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.ocsp.OcspClientConfig;
import org.nettytls.ocsp.OcspMode;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.starttls.StopTlsHandler;

/**
 * The README's first command: on loopback, in this JVM, with nothing to set up, it mints a PKI,
 * starts an OCSP responder, an SNI server that staples ({@code serve}), {@code smtp-server} and
 * {@code line-server}, drives verifying clients through each, including two that must fail, and
 * prints one line per check and a summary.
 */
public final class Demo {
    static final String WWW = "www.demo.test";
    static final String MAIL = "mail.demo.test";
    static final String REVOKED = "revoked.demo.test";
    /** Not served: the server answers it with its default certificate, which is www's. */
    static final String UNKNOWN = "shop.demo.test";
    private static final String ECHO = "hello from netty-tls";
    private static final String FTP_FILE = "hello.txt";
    private static final String FTP_CONTENT = "a file sent over a TLS data connection\n";

    private final PrintWriter out;
    private final List<String> failures = new ArrayList<>();
    private int checks;

    public Demo(PrintWriter out) {
        this.out = out;
    }

    /** One connection's outcome. */
    private static final class Result {
        TlsException failure;
        TlsConnectionInfo info;
        String echo = "";
    }

    /** A check: does its work and returns the line of detail, or throws what went wrong. */
    @FunctionalInterface
    private interface Check {
        String run() throws Exception;
    }

    /** Runs every check; returns whether all behaved as they should. */
    public boolean run() throws Exception {
        long start = System.nanoTime();
        out.println("netty-tls demo: everything runs on 127.0.0.1 in this JVM; the only files are the FTP server's and the mail spool's, in temporary folders.");
        progress("minting a root CA, an intermediate, and RSA and ECDSA certificates for " + WWW + " and " + MAIL);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            HeldCertificate root = HeldCertificate.builder().commonName("netty-tls demo root").certificateAuthority(1).build();
            HeldCertificate ca = HeldCertificate.builder().commonName("netty-tls demo CA").certificateAuthority(0)
                    .signedBy(root).build();
            BigInteger revokedSerial = BigInteger.valueOf(0x5e4d);
            DemoOcspResponder responder = new DemoOcspResponder(group, ca, Set.of(revokedSerial));
            resources.add(responder);
            String ocspUrl = responder.url();
            HeldCertificate wwwRsa = HeldCertificate.builder().commonName(WWW).dns(WWW).rsa(2048).ocspUrl(ocspUrl)
                    .signedBy(ca).build();
            HeldCertificate wwwEc = HeldCertificate.builder().commonName(WWW).dns(WWW).ocspUrl(ocspUrl).signedBy(ca).build();
            HeldCertificate mailRsa = HeldCertificate.builder().commonName(MAIL).dns(MAIL).rsa(2048).ocspUrl(ocspUrl)
                    .mustStaple(true).signedBy(ca).build();
            HeldCertificate mailEc = HeldCertificate.builder().commonName(MAIL).dns(MAIL).ocspUrl(ocspUrl).signedBy(ca).build();
            HeldCertificate revoked = HeldCertificate.builder().commonName(REVOKED).dns(REVOKED).ocspUrl(ocspUrl)
                    .serialNumber(revokedSerial).signedBy(ca).build();
            HeldCertificate stranger = HeldCertificate.builder().commonName("a stranger's root").certificateAuthority(0).build();
            progress("OCSP responder at " + ocspUrl + " (signed by the intermediate; " + REVOKED + " is revoked)");

            // Stapled: each certificate named once, on the options (RSA with an ECDSA addCertificate);
            // applyTo staples every certificate of the options with its own response (BoringSSL
            // gets one credential per certificate, so the one it chooses carries its staple).
            OcspStapler stapler = OcspStapler.builder(group).start();
            resources.add(stapler);
            SniMapping mapping = SniMapping.builder()
                    .add(WWW, stapler.applyTo(TlsServerOptions.builder().certificate(wwwRsa.keyMaterial())
                            .addCertificate(wwwEc.keyMaterial())))
                    .add(MAIL, stapler.applyTo(TlsServerOptions.builder().certificate(mailRsa.keyMaterial())
                            .addCertificate(mailEc.keyMaterial())))
                    .add(REVOKED, stapler.applyTo(TlsServerOptions.builder().certificate(revoked.keyMaterial())))
                    .addDefault(stapler.applyTo(TlsServerOptions.builder().certificate(wwwRsa.keyMaterial())
                            .addCertificate(wwwEc.keyMaterial())))
                    .build();
            if (!stapler.ready().await(10, TimeUnit.SECONDS)) {
                throw new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT, "the OCSP stapler fetched nothing within 10 s");
            }
            int servePort = bind(group, resources, ch -> {
                SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
                ch.pipeline().addLast(new SniEchoHandler(line -> { }));
            });
            List<String> mails = new CopyOnWriteArrayList<>();
            Path mailDir = Files.createTempDirectory("netty-tls-demo-mail");
            resources.add(() -> deleteFolder(mailDir));
            java.util.concurrent.ExecutorService mailWriter = java.util.concurrent.Executors.newSingleThreadExecutor();
            resources.add(mailWriter::shutdownNow);
            MailSpool spool = new MailSpool(mailDir, mailWriter, file -> {
                try {
                    mails.add(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1));
                } catch (java.io.IOException e) {
                    mails.add("unreadable: " + e);
                }
            }, mails::add);
            int smtpPort = bind(group, resources, ch -> {
                StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
                ch.pipeline().addLast(starttls, SmtpServerHandler.newLineDecoder(),
                        new SmtpServerHandler(starttls, mapping, spool, SmtpServerHandler.DEFAULT_MAX_SIZE));
            });
            int linePort = bind(group, resources, ch -> {
                StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
                ch.pipeline().addLast(starttls, new LineBasedFrameDecoder(8192), new LineServerHandler(starttls, mapping));
            });
            Path ftpRoot = Files.createTempDirectory("netty-tls-demo-ftp");
            resources.add(() -> deleteFolder(ftpRoot));
            Files.writeString(ftpRoot.resolve(FTP_FILE), FTP_CONTENT);
            StringWriter ftpLog = new StringWriter();
            FtpServer ftp = new FtpServer(mapping, ftpRoot, "demo", "demo", FtpServer.SessionReuse.REQUIRE, false,
                    Duration.ofSeconds(10), new PrintWriter(ftpLog));
            resources.add(ftp);
            int ftpPort = bind(group, resources, ftp::initChannel);
            progress("serve on 127.0.0.1:" + servePort + ": SNI for " + WWW + ", " + MAIL + " (RSA and ECDSA each), " + REVOKED
                    + " and a default; staples OCSP");
            progress("smtp-server on 127.0.0.1:" + smtpPort + ", ftp-server on 127.0.0.1:" + ftpPort + ", line-server on 127.0.0.1:"
                    + linePort + ", certificates by SNI");

            X509Certificate anchor = root.certificate();
            OcspClientConfig tryStaple = OcspClientConfig.builder().mode(OcspMode.TRY_STAPLE).build();

            check("serve: SNI " + WWW + " over TLS 1.3 gets the ECDSA certificate, verified under scheme default", () -> {
                Result r = connect(group, trusting(anchor), tryStaple, WWW, servePort);
                String detail = expectKey(r, "EC", WWW);
                String ocsp = r.info.ocspStatus().orElse("no OCSP check");
                expect(ocsp.startsWith("good (staple"), "expected the ECDSA certificate's own good staple, found " + ocsp);
                return detail + "; ocsp: good staple";
            });
            check("serve: SNI " + WWW + " over TLS 1.2 with an RSA cipher gets the RSA certificate, stapled", () -> {
                Result r = connect(group, trusting(anchor).protocols("TLSv1_2")
                        .cipherList("ECDHE-RSA-AES128-GCM-SHA256"), tryStaple, WWW, servePort);
                String detail = expectKey(r, "RSA", WWW);
                String ocsp = r.info.ocspStatus().orElse("no OCSP check");
                expect(ocsp.startsWith("good (staple"), "expected a good staple, found " + ocsp);
                return detail + "; ocsp: good staple";
            });
            check("serve: SNI " + MAIL + " gets its own certificate, verified under scheme http", () -> {
                Result r = connect(group, trusting(anchor).hostnameScheme("http"), tryStaple, MAIL, servePort);
                return expectKey(r, "EC", MAIL);
            });
            check("serve: a fingerprint pin accepts " + WWW + " with no CA that knows it", () -> {
                String pin = Fingerprint.of(wwwEc.certificate());
                Result r = connect(group, TlsClientOptions.builder().caCertificates(stranger.certificate()).fingerprint(pin),
                        null, WWW, servePort);
                expectKey(r, "EC", WWW);
                return "pinned " + pin.substring(0, 23) + "...";
            });
            check("serve: OCSP must-staple: " + MAIL + " (a must-staple certificate) staples a good response", () -> {
                OcspClientConfig must = OcspClientConfig.builder().mode(OcspMode.MUST_STAPLE).build();
                Result r = connect(group, trusting(anchor).protocols("TLSv1_2")
                        .cipherList("ECDHE-RSA-AES128-GCM-SHA256"), must, MAIL, servePort);
                expectKey(r, "RSA", MAIL);
                String ocsp = r.info.ocspStatus().orElse("no OCSP check");
                expect(ocsp.startsWith("good"), "expected a good staple, found " + ocsp);
                return "must-staple certificate; ocsp: " + ocsp;
            });
            check("serve: a wrong name fails: SNI " + UNKNOWN + " gets the default certificate and is refused", () ->
                    expectFailure(connect(group, trusting(anchor), tryStaple, UNKNOWN, servePort), TlsErrorCode.HOSTNAME_MISMATCH));
            check("serve: a revoked certificate fails: " + REVOKED + ", as the OCSP responder says", () -> {
                OcspClientConfig resolving = OcspClientConfig.builder().mode(OcspMode.TRY_STAPLE).resolve(true).build();
                return expectFailure(connect(group, trusting(anchor), resolving, REVOKED, servePort), TlsErrorCode.REVOKED);
            });
            check("smtp-server: STARTTLS, verified under scheme smtp; AUTH offered only after TLS; a mail delivered", () ->
                    smtp(group, TlsClientContext.create(trusting(anchor).build(), StartTlsProtocol.SMTP.hostnameScheme()), smtpPort, mails));
            check("ftp-server: AUTH TLS under scheme ftp, a PROT P download that resumes the control session, then CCC", () ->
                    ftp(group, TlsClientContext.create(trusting(anchor).build(), StartTlsProtocol.FTP.hostnameScheme()), ftpPort));
            check("line-server: plaintext, STARTTLS, TLS, STOPTLS, plaintext again on one connection", () ->
                    lines(group, TlsClientContext.create(trusting(anchor).build()), linePort));
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) {
                resources.get(i).close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        out.println();
        out.printf("%d checks, %d behaved as they should, %d did not (%d ms)%n", checks, checks - failures.size(),
                failures.size(), ms);
        for (String f : failures) {
            out.println("  FAILED: " + f);
        }
        out.flush();
        return failures.isEmpty();
    }

    /** A client that trusts the demo's root. */
    private static TlsClientOptions.Builder trusting(X509Certificate root) {
        return TlsClientOptions.builder().caCertificates(root);
    }


    private void progress(String what) {
        out.println("... " + what);
        out.flush();
    }

    private void check(String what, Check check) {
        checks++;
        String detail;
        try {
            detail = check.run();
        } catch (TlsException e) {
            fail(what, e.getMessage() + " [" + e.code().id() + "]");
            return;
        } catch (Exception e) {
            fail(what, e.toString());
            return;
        }
        out.println("[ ok ] " + what);
        out.println("       " + detail);
        out.flush();
    }

    private void fail(String what, String detail) {
        failures.add(what + ": " + detail);
        out.println("[FAIL] " + what);
        out.println("       " + detail);
        out.flush();
    }

    private static void expect(boolean condition, String otherwise) throws TlsException {
        if (!condition) {
            throw new TlsException(TlsErrorCode.HANDSHAKE_FAILED, otherwise);
        }
    }

    /** The connection succeeded, echoed, and the server's certificate is of {@code keyAlgorithm} for {@code name}. */
    private static String expectKey(Result r, String keyAlgorithm, String name) throws TlsException {
        if (r.failure != null) {
            throw r.failure;
        }
        expect(r.info != null, "expected a connection, found it closed right after the handshake");
        expect(r.echo.equals(ECHO + "\n"), "expected the echo '" + ECHO + "', found '" + r.echo.strip() + "'");
        X509Certificate leaf = r.info.peerCertificates().get(0);
        String key = keyType(leaf.getPublicKey());
        expect(key.startsWith(keyAlgorithm) && r.info.commonName().equals(name), "expected a " + keyAlgorithm
                + " certificate for " + name + ", found " + key + " for " + r.info.commonName());
        return r.info.tlsVersion().referenceName() + " " + r.info.cipher() + " " + r.info.keyExchangeGroup() + ", " + key + " CN=" + name
                + ", " + r.info.verification().map(v -> v.isVerified() ? "verified" : "NOT verified").orElse("not checked");
    }

    private static String expectFailure(Result r, TlsErrorCode code) throws TlsException {
        expect(r.failure != null, "expected the connection to fail with " + code.id() + ", but it succeeded");
        expect(r.failure.code() == code, "expected " + code.id() + ", found " + r.failure.code().id() + ": "
                + r.failure.getMessage());
        expect(r.echo.isEmpty(), "expected no byte to reach the refused server, found an echo");
        return "refused: " + r.failure.getMessage() + " [" + code.id() + "]";
    }

    static String keyType(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            return "RSA " + ((RSAPublicKey) key).getModulus().bitLength();
        }
        if (key instanceof ECPublicKey) {
            return "EC P-" + ((ECPublicKey) key).getParams().getOrder().bitLength();
        }
        return key.getAlgorithm();
    }

    private static int bind(EventLoopGroup group, List<AutoCloseable> resources, Consumer<SocketChannel> pipeline)
            throws InterruptedException {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        pipeline.accept(ch);
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        resources.add(() -> server.close().awaitUninterruptibly(2, TimeUnit.SECONDS));
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /**
     * Connects to {@code port} asking for {@code serverName} (also the name checked), writes the
     * echo message at once, before the handshake is done (it must only ever reach a verified
     * server), and waits for the handshake, the OCSP verdict and the echo.
     */
    private static Result connect(EventLoopGroup group, TlsClientOptions.Builder options, OcspClientConfig ocsp,
            String serverName, int port) throws Exception {
        TlsClientContext tls = TlsClientContext.create((ocsp == null ? options : ocsp.applyTo(options)).build());
        CompletableFuture<String> echo = new CompletableFuture<>();
        StringBuilder received = new StringBuilder();
        // Asked for from the start: the info is read at the verdict, before a quick refusal can close the channel.
        java.util.concurrent.atomic.AtomicReference<Future<TlsConnectionInfo>> verified = new java.util.concurrent.atomic.AtomicReference<>();
        ChannelFuture cf = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) throws Exception {
                        verified.set(TlsConnectionInfo.verifiedFuture(ch));
                        tls.install(ch.pipeline(), serverName, port);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                received.append(buf.toString(StandardCharsets.UTF_8));
                                buf.release();
                                if (received.indexOf("\n") >= 0) {
                                    echo.complete(received.toString());
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                echo.complete(received.toString());
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                }).connect("127.0.0.1", port).sync();
        Channel ch = cf.channel();
        ch.writeAndFlush(Unpooled.copiedBuffer(ECHO + "\n", StandardCharsets.UTF_8));
        Result r = new Result();
        try {
            // The handshake, the identity checks inside it and the OCSP verdict after it.
            Future<TlsConnectionInfo> verdict = verified.get();
            if (!verdict.await(10, TimeUnit.SECONDS)) {
                r.failure = new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT, "no verified handshake within 10 s");
            } else if (!verdict.isSuccess()) {
                r.failure = TlsException.classify(verdict.cause());
                r.echo = echo.getNow("");
            } else {
                r.info = verdict.getNow();
                r.echo = echo.get(10, TimeUnit.SECONDS);
            }
        } finally {
            ch.close().await(2, TimeUnit.SECONDS);
        }
        return r;
    }

    /** SMTP with STARTTLS through the library's client helper, then a mail over TLS. */
    private static String smtp(EventLoopGroup group, TlsClientContext tls, int port, List<String> mails) throws Exception {
        StartTlsClient[] client = new StartTlsClient[1];
        try (LineClient c = new LineClient(group, port, StartTlsProtocol.SMTP.clientFraming(), ch -> {
            client[0] = new StartTlsClient(StartTlsProtocol.SMTP, tls, MAIL, port);
            ch.pipeline().addLast(client[0]);
        })) {
            LineClient.await(client[0].upgradeFuture(), "the STARTTLS upgrade");
            TlsConnectionInfo info = TlsConnectionInfo.of(c.channel());
            c.send("EHLO demo.test");
            List<String> ehlo = new ArrayList<>();
            String line;
            do {
                line = c.read();
                ehlo.add(line);
            } while (line.startsWith("250-"));
            expect(ehlo.contains("250 AUTH PLAIN") && !ehlo.contains("250 STARTTLS"), "expected AUTH and no STARTTLS after TLS, found "
                    + ehlo);
            for (String[] step : new String[][] {{"AUTH PLAIN AGRlbW8AZGVtbw==", "235"}, {"MAIL FROM:<demo@demo.test>", "250"},
                {"RCPT TO:<you@demo.test>", "250"}, {"DATA", "354"}}) {
                String reply = c.ask(step[0]);
                expect(reply.startsWith(step[1]), "expected " + step[1] + " to " + step[0].split(" ")[0] + ", found " + reply);
            }
            c.send("Subject: netty-tls demo\r\n\r\nsent over TLS\r\n.");
            String queued = c.lastLine();
            expect(queued.startsWith("250"), "expected the mail queued, found " + queued);
            c.ask("QUIT");
            // The 250 comes when the mail is handed to the spool's writer thread: give it a moment to land.
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); mails.isEmpty() && System.nanoTime() < deadline; ) {
                Thread.sleep(10);
            }
            expect(mails.size() == 1 && mails.get(0).contains("X-TLS: true"), "expected one mail received over TLS, found "
                    + mails.size());
            return info.tlsVersion().referenceName() + " " + info.cipher() + ", " + keyType(info.peerCertificates().get(0).getPublicKey())
                    + " CN=" + info.commonName() + ", scheme smtp, " + info.verification().map(v -> v.isVerified() ? "verified"
                    : "NOT verified").orElse("not checked") + "; 1 mail delivered";
        }
    }

    /**
     * FTP over explicit TLS: AUTH TLS through the library's client helper, login, PBSZ and PROT P,
     * a passive download over a TLS data connection that resumes the control connection's session
     * (the server requires it), then CCC: close_notify both ways and the control connection in
     * plaintext again.
     */
    private static String ftp(EventLoopGroup group, TlsClientContext tls, int port) throws Exception {
        StartTlsClient[] client = new StartTlsClient[1];
        try (LineClient c = new LineClient(group, port, StartTlsProtocol.FTP.clientFraming(), ch -> {
            client[0] = new StartTlsClient(StartTlsProtocol.FTP, tls, WWW, port);
            ch.pipeline().addLast(client[0]);
        })) {
            LineClient.await(client[0].upgradeFuture(), "the AUTH TLS upgrade");
            TlsConnectionInfo info = TlsConnectionInfo.of(c.channel());
            for (String[] step : new String[][] {{"USER demo", "331"}, {"PASS demo", "230"}, {"PBSZ 0", "200"}, {"PROT P", "200"},
                {"TYPE I", "200"}, {"EPSV", "229"}}) {
                String reply = c.ask(step[0]);
                expect(reply.startsWith(step[1]), "expected " + step[1] + " to " + step[0] + ", found " + reply);
                if (step[0].equals("EPSV")) {
                    int dataPort = Integer.parseInt(reply.substring(reply.indexOf("(|||") + 4, reply.lastIndexOf('|')));
                    String[] file = new String[1];
                    // The data connection's session key is the control connection's, so it resumes that session.
                    Future<Boolean> resumed = download(group, tls, dataPort, WWW + ":" + port, file);
                    String opening = c.ask("RETR " + FTP_FILE);
                    expect(opening.startsWith("150"), "expected 150 to RETR, found " + opening);
                    String done = c.lastLine();
                    expect(done.startsWith("226"), "expected 226 after the download, found " + done);
                    expect(resumed.await(10, TimeUnit.SECONDS) && resumed.isSuccess(), "expected the data connection to finish");
                    expect(FTP_CONTENT.equals(file[0]), "expected the file's content, found '" + file[0] + "'");
                    expect(resumed.getNow(), "expected the data connection to resume the control session");
                }
            }
            String ccc = c.ask("CCC");
            expect(ccc.startsWith("200"), "expected 200 to CCC, found " + ccc);
            LineClient.await(c.starttls().stopTls(StopTlsHandler.Mode.WAIT, StopTlsHandler.DEFAULT_TIMEOUT), "the CCC downgrade");
            String noop = c.ask("NOOP");
            expect(noop.startsWith("200"), "expected 200 to NOOP in plaintext after CCC, found " + noop);
            return info.tlsVersion().referenceName() + ", " + WWW + " verified under scheme ftp; " + FTP_FILE + " (" + FTP_CONTENT.length()
                    + " bytes) over a resumed session; NOOP answered in plaintext after CCC";
        }
    }

    /** A TLS data connection: reads everything into {@code file[0]}; the future says whether the session was resumed. */
    private static Future<Boolean> download(EventLoopGroup group, TlsClientContext tls, int port, String sessionKey,
            String[] file) throws Exception {
        io.netty.util.concurrent.Promise<Boolean> result = group.next().newPromise();
        StringBuilder received = new StringBuilder();
        boolean[] reused = new boolean[1];
        new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) throws Exception {
                tls.install(ch.pipeline(), WWW, port, sessionKey);
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        received.append(b.toString(StandardCharsets.UTF_8));
                        b.release();
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                        if (evt == SslHandshakeCompletionEvent.SUCCESS) {
                            reused[0] = TlsConnectionInfo.of(ctx.channel()).sessionReused().orElse(false);
                        }
                        ctx.fireUserEventTriggered(evt);
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        file[0] = received.toString();
                        result.trySuccess(reused[0]);
                        ctx.fireChannelInactive();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        result.tryFailure(cause);
                        ctx.close();
                    }
                });
            }
        }).connect("127.0.0.1", port).sync();
        return result;
    }

    private static void deleteFolder(Path folder) throws IOException {
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The line protocol: ECHO in plaintext, STARTTLS, ECHO over TLS, STOPTLS (close_notify both ways), ECHO in plaintext. */
    private static String lines(EventLoopGroup group, TlsClientContext tls, int port) throws Exception {
        try (LineClient c = new LineClient(group, port, Framing.lines(), ch -> { })) {
            expect(c.ask("ECHO one").equals("one"), "expected the plaintext echo 'one'");
            expect(c.ask("STARTTLS").equals("OK"), "expected OK to STARTTLS");
            LineClient.await(c.starttls().startClient(tls, WWW, port), "the STARTTLS handshake");
            TlsConnectionInfo info = TlsConnectionInfo.of(c.channel());
            expect(c.ask("ECHO two").equals("two"), "expected the echo 'two' over TLS");
            expect(c.ask("STOPTLS").equals("OK"), "expected OK to STOPTLS");
            LineClient.await(c.starttls().stopTls(StopTlsHandler.Mode.WAIT, StopTlsHandler.DEFAULT_TIMEOUT), "the STOPTLS downgrade");
            expect(c.ask("ECHO three").equals("three"), "expected the plaintext echo 'three' after STOPTLS");
            return "one (plaintext), two (" + info.tlsVersion().referenceName() + ", " + WWW + " verified), three (plaintext after close_notify both ways)";
        }
    }
}
