package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nettytls.TlsException;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;
import org.nettytls.transport.Transport;

/**
 * {@code serve --upstream}, smtp-server and ftp-server on each transport forced with
 * {@code --transport} (io_uring, epoll, NIO), with real clients on real sockets: the same bytes
 * arrive whichever transport carries them, and an FTP data connection joins its control
 * connection's transport.
 */
class TransportCommandsTest {
    private static final int BODY = 4 * 1024 * 1024;

    @TempDir
    static Path dir;
    static Path cert;
    static Path key;
    static HttpServer http;
    static String bodyDigest;

    @BeforeAll
    static void pkiAndWebServer() throws Exception {
        StartTlsServersTest.writePki(dir);
        cert = dir.resolve("server.pem");
        key = dir.resolve("server.key");
        byte[] body = new byte[BODY];
        new Random(19).nextBytes(body);
        bodyDigest = sha256(body);
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", x -> {
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        });
        http.start();
    }

    @AfterAll
    static void stop() {
        http.stop(0);
    }

    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void serveRelaysFourMebibytesIntact(Transport.Kind kind) throws Exception {
        String curl = Interop.require("curl");
        available(kind);
        RunningCommand serve = new RunningCommand("serve", "--listen", "127.0.0.1:0", "--naccept", "1", "--transport", kind.id(),
                "--cert", "default=" + cert + "," + key, "--upstream", "127.0.0.1:" + http.getAddress().getPort());
        Path got = dir.resolve("body-" + kind.id());
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(60), null, List.of(curl, "-sS", "--cacert", "ca.pem",
                "-o", got.toString(), "https://localhost:" + serve.port + "/"));
        assertEquals(0, r.exit, r::toString);
        assertEquals(bodyDigest, sha256(Files.readAllBytes(got)), "the body through serve on " + kind.id());
        String out = serve.finish();
        assertTrue(out.startsWith("transport: " + kind.id() + "\n"), out);
        assertTrue(out.contains(" bytes to client"), out);
    }

    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void smtpServerUpgradesAndDelivers(Transport.Kind kind) throws Exception {
        String curl = Interop.require("curl");
        available(kind);
        Path maildir = dir.resolve("mail-" + kind.id());
        Path body = Files.writeString(dir.resolve("mail.txt"), "Subject: hi\r\n\r\nover " + kind.id() + "\r\n");
        int port = StartTlsServersTest.start("smtp-server", "--transport", kind.id(), "--cert", "default=" + cert + "," + key,
                "--maildir", maildir.toString());
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), null, List.of(curl, "-sS", "--ssl-reqd", "--cacert",
                "ca.pem", "smtp://localhost:" + port, "--mail-from", "b@example.org", "--mail-rcpt", "a@example.org",
                "-T", body.toString()));
        assertEquals(0, r.exit, r::toString);
        String mail = StartTlsServersTest.awaitMail(maildir);
        assertTrue(mail.contains("X-TLS: true") && mail.contains("over " + kind.id()), mail);
    }

    /** The data listener binds on the control connection's event loop, so it must be of the same transport. */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void ftpServerSendsAFileOverTlsAndAfterCcc(Transport.Kind kind) throws Exception {
        String curl = Interop.require("curl");
        available(kind);
        Path root = Files.createDirectories(dir.resolve("ftp-" + kind.id()));
        byte[] file = new byte[BODY];
        new Random(kind.ordinal()).nextBytes(file);
        Files.write(root.resolve("f.bin"), file);
        int port = StartTlsServersTest.start("ftp-server", "--transport", kind.id(), "--cert", "default=" + cert + "," + key,
                "--root", root.toString(), "--user", "u:p");
        for (List<String> mode : List.of(List.<String>of(), List.of("--ftp-ssl-ccc", "--ftp-ssl-ccc-mode", "passive"))) {
            Path got = dir.resolve("ftp-got-" + kind.id() + mode.size());
            List<String> cmd = new java.util.ArrayList<>(List.of(curl, "-sS", "--ssl-reqd", "--cacert", "ca.pem", "-u", "u:p",
                    "-o", got.toString()));
            cmd.addAll(mode);
            cmd.add("ftp://localhost:" + port + "/f.bin");
            Processes.Result r = Processes.run(dir, Duration.ofSeconds(60), null, cmd);
            assertEquals(0, r.exit, r::toString);
            assertEquals(sha256(file), sha256(Files.readAllBytes(got)), "RETR on " + kind.id() + " " + mode);
        }
    }

    /** On epoll and io_uring, one listening socket per event loop on the one port (SO_REUSEPORT); on NIO one. */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void serveListensOncePerEventLoop(Transport.Kind kind) throws Exception {
        available(kind);
        Path procNetTcp = Path.of("/proc/net/tcp");
        assumeTrue(Files.isReadable(procNetTcp), "no /proc/net/tcp to count listening sockets in");
        RunningCommand serve = new RunningCommand("serve", "--listen", "127.0.0.1:0", "--naccept", "1", "--transport", kind.id(),
                "--cert", "default=" + cert + "," + key, "--echo");
        // Local address 127.0.0.1:PORT (Netty's native transports bind IPv6 sockets: ::ffff:127.0.0.1), state 0A (LISTEN).
        String local = String.format("0100007F:%04X", serve.port);
        long listening = 0;
        for (Path table : List.of(procNetTcp, Path.of("/proc/net/tcp6"))) {
            if (Files.isReadable(table)) {
                listening += Files.readAllLines(table).stream().map(l -> l.trim().split("\\s+"))
                        .filter(f -> f.length > 3 && f[1].endsWith(local) && f[3].equals("0A")).count();
            }
        }
        int loops = io.netty.util.NettyRuntime.availableProcessors();
        assertEquals(kind == Transport.Kind.NIO ? 1 : loops, listening, "listening sockets on " + kind.id() + " with "
                + loops + " event loops");
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", serve.port)) {
            s.getOutputStream().write(new byte[] {0x16});
        }
        serve.finish();
    }

    @Test
    void anUnknownTransportIsAUsageErrorNamingTheChoices() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), "serve", "--listen", "127.0.0.1:0", "--echo",
                "--transport", "kqueue", "--cert", "default=" + cert + "," + key);
        assertEquals(Main.USAGE, status, () -> out + "\n" + err);
        assertTrue(err.toString().contains("expected auto, io_uring, epoll or nio, found 'kqueue'"), err::toString);
    }

    private static void available(Transport.Kind kind) {
        try {
            Transport.of(kind);
        } catch (TlsException e) {
            assumeTrue(false, e.getMessage());
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
