package org.nettytls.soak;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.net.ssl.SSLContext;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.session.ClientSessionCache;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.testing.Await;
import org.nettytls.testing.Bystander;
import org.nettytls.testing.LeakDetection;

/**
 * The load and soak run: the command line's servers ({@code serve --echo}, {@code serve
 * --upstream} in front of a plain echo backend, {@code line-server}, {@code smtp-server}) in this
 * JVM, {@code clients} threads running random {@link Scenarios.Kind}s against them until the time
 * is up, and one well-behaved {@link Bystander} per server throughout. At checkpoints the load
 * pauses, connections drain, and the run measures heap and direct memory after garbage collection,
 * open file descriptors and the leak detector's reports; the first checkpoint, after a warm-up,
 * is the baseline the others are compared with.
 */
final class Soak {
    /** How long and how hard. */
    static final class Config {
        final Duration duration;
        final int clients;
        final long seed;

        Config(Duration duration, int clients, long seed) {
            this.duration = duration;
            this.clients = clients;
            this.seed = seed;
        }
    }

    /** One pause in the load: when, what the JVM held, and what had been done by then. */
    static final class Checkpoint {
        final String name;
        final Resources resources;
        final long connections;

        Checkpoint(String name, Resources resources, long connections) {
            this.name = name;
            this.resources = resources;
            this.connections = connections;
        }
    }

    /** Everything the run saw. */
    static final class Report {
        int clients;
        Duration ran;
        final Map<Scenarios.Kind, AtomicLong> completed = new EnumMap<>(Scenarios.Kind.class);
        final Map<Scenarios.Kind, AtomicLong> nanos = new EnumMap<>(Scenarios.Kind.class);
        final List<String> failures = new ArrayList<>();
        final List<Checkpoint> checkpoints = new ArrayList<>();
        final List<String> leaks = new ArrayList<>();
        final List<Bystander> bystanders = new ArrayList<>();
        final List<String> probes = new ArrayList<>();
        long connections;
        long resumed;
        long ftpDataResumed;
        long bytesVerified;
        long mailsAccepted;
        long mailsChecked;
        long mailsCorrupt;
        String firstCorruptMail;
        long serverErrorLines;
        String serverErrors = "";
        int fdsBefore;
        int fdsAfter;
        List<String> newFds = List.of();
        long failureCount;

        long faults() {
            return completed.entrySet().stream().filter(e -> e.getKey().fault).mapToLong(e -> e.getValue().get()).sum();
        }

        String text() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "soak: %d s, %d client threads%n", ran.toSeconds(), clients));
            b.append("connections handled: ").append(connections).append(" (resumed: ").append(resumed)
                    .append(" echo connections, ").append(ftpDataResumed).append(" FTPS data connections)\n");
            for (Map.Entry<Scenarios.Kind, AtomicLong> e : completed.entrySet()) {
                long count = e.getValue().get();
                b.append(String.format(Locale.ROOT, "  %-30s %8d  %7.1f ms each%s%n", e.getKey().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                        count, count == 0 ? 0.0 : nanos.get(e.getKey()).get() / 1e6 / count, e.getKey().fault ? "  (fault)" : ""));
            }
            b.append("faults injected: ").append(faults()).append('\n');
            b.append("bytes verified intact: ").append(bytesVerified).append(", mails accepted ").append(mailsAccepted)
                    .append(" and checked ").append(mailsChecked).append(", corrupt ").append(mailsCorrupt).append('\n');
            b.append("bytes lost or changed: ").append(mailsCorrupt + corruptTransfers()).append('\n');
            b.append("failures: ").append(failureCount).append(failures.isEmpty() ? "" : " first: " + failures.get(0)).append('\n');
            b.append("leaks reported by the PARANOID detector: ").append(leaks.size()).append('\n');
            for (Checkpoint c : checkpoints) {
                b.append("checkpoint ").append(c.name).append(" after ").append(c.connections).append(" connections: ")
                        .append(c.resources).append('\n');
            }
            b.append("file descriptors: ").append(fdsBefore).append(" before the servers started, ").append(fdsAfter)
                    .append(" after they stopped").append(newFds.isEmpty() ? "" : ", new: " + newFds).append('\n');
            for (String p : probes) {
                b.append("probe ").append(p).append('\n');
            }
            b.append("server lines on standard error: ").append(serverErrorLines).append(serverErrors).append('\n');
            return b.toString();
        }

        long corruptTransfers() {
            return failures.stream().filter(f -> f.contains("came back changed")).count();
        }
    }

    private final Config config;
    private final Path dir;

    Soak(Config config, Path dir) {
        this.config = config;
        this.dir = dir;
    }

    /** The kinds this run picks from: all of them, less those named in {@code -Dsoak.skip} (comma-separated). */
    static Scenarios.Kind[] kinds() {
        String skipped = System.getProperty("soak.skip", "");
        java.util.Set<String> skip = new java.util.HashSet<>(java.util.Arrays.asList(skipped.split(",")));
        return java.util.Arrays.stream(Scenarios.Kind.values()).filter(k -> !skip.contains(k.name()))
                .toArray(Scenarios.Kind[]::new);
    }

    Report run() throws Exception {
        Report report = new Report();
        report.clients = config.clients;
        for (Scenarios.Kind k : kinds()) {
            report.completed.put(k, new AtomicLong());
            report.nanos.put(k, new AtomicLong());
        }
        HeldCertificate ca = HeldCertificate.builder().commonName("Soak CA").certificateAuthority(0).build();
        HeldCertificate.builder().commonName("localhost").dns("localhost").ip("127.0.0.1").signedBy(ca).build()
                .writeTo(dir.resolve("leaf"));
        Path caFile = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        String cert = dir.resolve("leaf.pem") + "," + dir.resolve("leaf.key");
        Path maildir = dir.resolve("mail");
        Mails mails = new Mails(maildir);

        LeakDetection.drain();
        report.fdsBefore = Resources.openFileDescriptors();
        List<String> fdTargetsBefore = Resources.fileDescriptorTargets();
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        EventLoopGroup backendGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<InProcessCommand> servers = new ArrayList<>();
        List<Bystander> bystanders = new ArrayList<>();
        long start = System.nanoTime();
        try {
            Channel backend = new ServerBootstrap().group(backendGroup).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new PlainEcho());
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int backendPort = ((InetSocketAddress) backend.localAddress()).getPort();
            InProcessCommand echo = start(servers, "serve", "--listen", "127.0.0.1:0", "--cert", "default=" + cert, "--echo");
            InProcessCommand proxy = start(servers, "serve", "--listen", "127.0.0.1:0", "--cert", "default=" + cert,
                    "--upstream", "127.0.0.1:" + backendPort);
            InProcessCommand line = start(servers, "line-server", "--listen", "127.0.0.1:0", "--cert", "default=" + cert);
            InProcessCommand smtp = start(servers, "smtp-server", "--listen", "127.0.0.1:0", "--cert", "default=" + cert,
                    "--maildir", maildir.toString());
            Path ftpRoot = dir.resolve("ftp");
            Scenarios.writeFtpFiles(ftpRoot, new Random(config.seed));
            InProcessCommand ftp = start(servers, "ftp-server", "--listen", "127.0.0.1:0", "--cert", "default=" + cert,
                    "--root", ftpRoot.toString(), "--user", Scenarios.FTP_USER + ":" + Scenarios.FTP_USER);
            Scenarios.Ports ports = new Scenarios.Ports(echo.port(), proxy.port(), line.port(), smtp.port(), ftp.port());

            TlsClientOptions.Builder base = TlsClientOptions.builder().caFile(caFile);
            TlsClientContext fresh = TlsClientContext.create(TlsClientOptions.builder().caFile(caFile).sessionCacheSize(0).build());
            TlsClientContext resuming = TlsClientContext.create(base.sessionCache(ClientSessionCache.create(64)).build());
            TlsClientContext smtpTls = TlsClientContext.create(TlsClientOptions.builder().caFile(caFile).sessionCacheSize(0).build(),
                    StartTlsProtocol.SMTP.hostnameScheme());
            TlsClientContext ftpTls = TlsClientContext.create(TlsClientOptions.builder().caFile(caFile)
                    .sessionCache(ClientSessionCache.create(64)).build(), StartTlsProtocol.FTP.hostnameScheme());
            Scenarios scenarios = new Scenarios(clientGroup, ports, fresh, resuming, smtpTls, ftpTls, ftpRoot);

            SSLContext jdk = Bystander.trusting(ca.certificate());
            Duration probeTimeout = Duration.ofSeconds(5);
            Duration every = Duration.ofMillis(250);
            bystanders.add(Bystander.start("serve-echo", Bystander.all(Bystander.newConnectionEcho(jdk, ports.echo, probeTimeout),
                    Bystander.keptConnectionEcho(jdk, ports.echo, probeTimeout)), every));
            bystanders.add(Bystander.start("serve-upstream", Bystander.all(Bystander.newConnectionEcho(jdk, ports.proxy, probeTimeout),
                    Bystander.keptConnectionEcho(jdk, ports.proxy, probeTimeout)), every));
            bystanders.add(Bystander.start("line-server", new LineProbe(ports.line, probeTimeout), every));
            bystanders.add(Bystander.start("smtp-server", new CommandProbe(ports.smtp, "NOOP", "250 2.0.0 OK", probeTimeout), every));
            bystanders.add(Bystander.start("ftp-server", new CommandProbe(ports.ftp, "NOOP", "200 NOOP ok", probeTimeout), every));

            ReentrantReadWriteLock pause = new ReentrantReadWriteLock(true);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicLong failureCount = new AtomicLong();
            long end = start + config.duration.toNanos();
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < config.clients; i++) {
                Random rnd = new Random(config.seed + i);
                Thread t = new Thread(() -> {
                    Scenarios.Kind[] kinds = kinds();
                    while (System.nanoTime() < end) {
                        Scenarios.Kind kind = kinds[rnd.nextInt(kinds.length)];
                        pause.readLock().lock();
                        long began = System.nanoTime();
                        try {
                            scenarios.run(kind, rnd);
                            report.completed.get(kind).incrementAndGet();
                        } catch (Exception e) {
                            failureCount.incrementAndGet();
                            if (failures.size() < 20) {
                                failures.add(kind + ": " + e + serversSaid(servers, e));
                            }
                        } finally {
                            report.nanos.get(kind).addAndGet(System.nanoTime() - began);
                            pause.readLock().unlock();
                        }
                    }
                }, "soak-client-" + i);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }

            // Checkpoints: the baseline after a fifth of the run (warm-up), then at most every five minutes, and at the end.
            long baselineAt = start + config.duration.toNanos() / 5;
            long step = Math.min(TimeUnit.MINUTES.toNanos(5), Math.max(1, (end - baselineAt) / 2));
            List<Long> times = new ArrayList<>();
            for (long t = baselineAt; t < end - step / 4; t += step) {
                times.add(t);
            }
            int n = 0;
            for (long t : times) {
                sleepUntil(t);
                report.checkpoints.add(checkpoint(n++ == 0 ? "baseline" : "t+" + TimeUnit.NANOSECONDS.toSeconds(t - start) + "s",
                        pause, mails, scenarios, report));
            }
            for (Thread t : workers) {
                t.join(TimeUnit.MINUTES.toMillis(2));
                if (t.isAlive()) {
                    failures.add(t.getName() + " still running two minutes after the end");
                    failureCount.incrementAndGet();
                }
            }
            report.checkpoints.add(checkpoint("end", pause, mails, scenarios, report));
            report.ran = Duration.ofNanos(System.nanoTime() - start);
            for (Bystander b : bystanders) {
                b.close();
            }
            report.bystanders.addAll(bystanders);
            String[] names = {"serve --echo (new and kept TLS connections)", "serve --upstream (new and kept TLS connections)",
                "line-server (ECHO on a kept connection)", "smtp-server (NOOP on a kept connection)",
                "ftp-server (NOOP on a kept connection)"};
            for (int i = 0; i < bystanders.size(); i++) {
                Bystander b = bystanders.get(i);
                report.probes.add(names[i] + ": " + b.roundTrips() + " round trips, " + b.failures().size() + " failed, slowest "
                        + b.slowest().toMillis() + " ms");
            }
            report.failures.addAll(failures);
            report.failureCount = failureCount.get();
            report.connections = scenarios.connections.get();
            report.resumed = scenarios.resumed.get();
            report.ftpDataResumed = scenarios.ftpDataResumed.get();
            report.bytesVerified = scenarios.bytesVerified.get();
            report.mailsAccepted = scenarios.mailsAccepted.get();
            report.mailsChecked = mails.checked();
            report.mailsCorrupt = mails.corrupt();
            report.firstCorruptMail = mails.firstCorrupt();
            for (InProcessCommand s : servers) {
                report.serverErrorLines += s.errorLines();
                if (s.errorLines() > 0) {
                    report.serverErrors += " [" + s.name + ": " + s.lastLines() + "]";
                }
            }
            backend.close().sync();
        } finally {
            for (Bystander b : bystanders) {
                b.close();
            }
            for (InProcessCommand s : servers) {
                s.close();
            }
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            backendGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        report.fdsAfter = settledFds(report.fdsBefore, Duration.ofSeconds(30), 5);
        if (report.fdsAfter > report.fdsBefore) {
            report.newFds = Resources.fileDescriptorTargets();
            report.newFds.removeAll(fdTargetsBefore);
        }
        report.leaks.addAll(LeakDetection.drain());
        return report;
    }

    /** What the servers printed about the client port named in {@code e}'s message, if any. */
    private static String serversSaid(List<InProcessCommand> servers, Exception e) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("client port (\\d+)").matcher(String.valueOf(e.getMessage()));
        if (!m.find()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (InProcessCommand s : servers) {
            String lines = s.linesMentioning(":" + m.group(1) + " ");
            if (!lines.isEmpty()) {
                b.append(" [").append(s.name).append(": ").append(lines).append(']');
            }
        }
        return b.toString();
    }

    private static InProcessCommand start(List<InProcessCommand> servers, String... args) throws Exception {
        InProcessCommand c = new InProcessCommand(args);
        servers.add(c);
        c.port();
        return c;
    }

    /** Pauses the load, lets connections close, checks the mails so far, and measures. */
    private static Checkpoint checkpoint(String name, ReentrantReadWriteLock pause, Mails mails, Scenarios scenarios, Report report)
            throws Exception {
        pause.writeLock().lock();
        try {
            settledFds(0, Duration.ofSeconds(20), 2);
            long deadline = System.nanoTime() + Await.EVENT.toNanos();
            do {
                mails.checkDelivered();
                // The server writes each mail off its event loop: wait for those acknowledged to arrive.
                if (mails.checked() >= scenarios.mailsAccepted.get()) {
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            } while (System.nanoTime() < deadline);
            report.leaks.addAll(LeakDetection.drain());
            return new Checkpoint(name, Resources.measure(), scenarios.connections.get());
        } finally {
            pause.writeLock().unlock();
        }
    }

    /**
     * The count of open descriptors once connections have finished closing: sampled every 50 ms,
     * the least of each second (the probes' short-lived connections come and go in between), until
     * {@code stableSeconds} seconds in a row agree, or the count falls to {@code floor}, or the time is up.
     */
    static int settledFds(int floor, Duration timeout, int stableSeconds) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int previous = -1;
        int least = Integer.MAX_VALUE;
        int stable = 0;
        while (true) {
            least = Integer.MAX_VALUE;
            for (int i = 0; i < 20; i++) {
                least = Math.min(least, Resources.openFileDescriptors());
                if (least <= floor) {
                    return least;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            stable = least == previous ? stable + 1 : 0;
            if (stable + 1 >= stableSeconds || System.nanoTime() > deadline) {
                return least;
            }
            previous = least;
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** The backend behind {@code serve --upstream}: sends back what it reads. */
    private static final class PlainEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** line-server's ECHO over one plaintext connection kept for the whole run. */
    static final class LineProbe implements Bystander.Probe {
        private final int port;
        private final Duration timeout;
        private Socket socket;
        private long n;

        LineProbe(int port, Duration timeout) {
            this.port = port;
            this.timeout = timeout;
        }

        @Override
        public void roundTrip() throws Exception {
            if (socket == null) {
                socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout((int) timeout.toMillis());
            }
            String text = "probe " + ++n;
            socket.getOutputStream().write(("ECHO " + text + "\n").getBytes(StandardCharsets.US_ASCII));
            byte[] back = Bystander.readFully(socket.getInputStream(), text.length() + 1);
            if (!new String(back, StandardCharsets.US_ASCII).equals(text + "\n")) {
                throw new IOException("line-server answered '" + new String(back, StandardCharsets.US_ASCII) + "'");
            }
        }

        @Override
        public void close() {
            closeQuietly(socket);
        }
    }

    /** A command and its one-line reply over one plaintext connection kept for the whole run, after the greeting line. */
    private static final class CommandProbe implements Bystander.Probe {
        private final int port;
        private final byte[] command;
        private final byte[] reply;
        private final Duration timeout;
        private Socket socket;

        CommandProbe(int port, String command, String reply, Duration timeout) {
            this.port = port;
            this.command = (command + "\r\n").getBytes(StandardCharsets.US_ASCII);
            this.reply = (reply + "\r\n").getBytes(StandardCharsets.US_ASCII);
            this.timeout = timeout;
        }

        @Override
        public void roundTrip() throws Exception {
            if (socket == null) {
                socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout((int) timeout.toMillis());
                InputStream in = socket.getInputStream();
                for (int c; (c = in.read()) != '\n'; ) {
                    if (c < 0) {
                        throw new IOException("port " + port + " closed before its greeting");
                    }
                }
            }
            OutputStream out = socket.getOutputStream();
            out.write(command);
            byte[] back = Bystander.readFully(socket.getInputStream(), reply.length);
            if (!java.util.Arrays.equals(reply, back)) {
                throw new IOException("port " + port + " answered '" + new String(back, StandardCharsets.US_ASCII) + "'");
            }
        }

        @Override
        public void close() {
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // the probe is done either way
            }
        }
    }
}
