package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;
import org.nettytls.transport.Transport;

/** ftp-server against curl (both CCC modes), lftp, openssl s_client, and attacks on its folder and its data connections. */
class FtpServerTest {
    @TempDir
    static Path dir;
    static Path ca;
    static Path cert;
    static Path key;
    static SSLContext clientTls;

    @BeforeAll
    static void pki() throws Exception {
        HeldCertificate root = StartTlsServersTest.writePki(dir);
        ca = dir.resolve("ca.pem");
        cert = dir.resolve("server.pem");
        key = dir.resolve("server.key");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", root.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);
    }

    /** A blocking FTP client that sends exactly what a test says, with the JDK's TLS. */
    static final class RawFtp implements AutoCloseable {
        final int port;
        Socket socket;
        BufferedReader in;
        OutputStream out;

        RawFtp(int port) throws IOException {
            this.port = port;
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            streams();
            assertTrue(reply().startsWith("220 "));
        }

        private void streams() throws IOException {
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        void send(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** One reply; of a multi-line reply, its last line. Null when the server closed the connection. */
        String reply() throws IOException {
            String line = in.readLine();
            while (line != null && line.length() > 3 && line.charAt(3) == '-') {
                String code = line.substring(0, 3);
                do {
                    line = in.readLine();
                } while (line != null && !line.startsWith(code + " "));
            }
            return line;
        }

        String cmd(String line) throws IOException {
            send(line + "\r\n");
            return reply();
        }

        void tls() throws IOException {
            assertTrue(cmd("AUTH TLS").startsWith("234 "));
            SSLSocket ssl = (SSLSocket) clientTls.getSocketFactory().createSocket(socket, "localhost", port, true);
            ssl.startHandshake();
            socket = ssl;
            streams();
        }

        void login() throws IOException {
            tls();
            assertTrue(cmd("USER u").startsWith("331 "));
            assertTrue(cmd("PASS p").startsWith("230 "));
            assertTrue(cmd("PBSZ 0").startsWith("200 "));
            assertTrue(cmd("PROT P").startsWith("200 "));
        }

        int epsv() throws IOException {
            String r = cmd("EPSV");
            Matcher m = Pattern.compile("\\(\\|\\|\\|(\\d+)\\|\\)").matcher(r);
            assertTrue(m.find(), r);
            return Integer.parseInt(m.group(1));
        }

        /** RETR over a TLS data connection: the file's bytes, or the reply that refused it. */
        String retr(String path) throws IOException {
            int dataPort = epsv();
            try (Socket plainData = new Socket("127.0.0.1", dataPort)) {
                plainData.setSoTimeout(10_000);
                String opening = cmd("RETR " + path);
                if (!opening.startsWith("150 ")) {
                    return opening;
                }
                SSLSocket data = (SSLSocket) clientTls.getSocketFactory().createSocket(plainData, "localhost", dataPort, true);
                String content = new String(data.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(reply().startsWith("226 "));
                return content;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** An ftp-server running in this JVM, with what it printed so far. */
    static final class Server {
        final StringWriter out = new StringWriter();
        final Path root;
        int port;

        Server(Path root) {
            this.root = root;
        }

        String log() {
            return out.toString();
        }

        /** Waits until the log matches {@code regex}. */
        String await(String regex) {
            long deadline = System.nanoTime() + Await.EVENT.toNanos();
            Pattern p = Pattern.compile(regex);
            while (System.nanoTime() < deadline) {
                Matcher m = p.matcher(log());
                if (m.find()) {
                    return m.group();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            throw new AssertionError("no /" + regex + "/ in the server's log within " + Await.EVENT.toSeconds() + " s:\n" + log());
        }
    }

    static Server start(String name, String... extra) throws Exception {
        Path root = Files.createDirectories(dir.resolve(name));
        Server s = new Server(root);
        List<String> args = new ArrayList<>(List.of("ftp-server", "--listen", "127.0.0.1:0", "--cert", "default=" + cert + "," + key,
                "--root", root.toString(), "--user", "u:p"));
        args.addAll(List.of(extra));
        Thread t = new Thread(() -> Main.run(new PrintWriter(s.out, true), new PrintWriter(s.out, true), args.toArray(new String[0])), name);
        t.setDaemon(true);
        t.start();
        s.port = Integer.parseInt(s.await("listening on 127\\.0\\.0\\.1:(\\d+)").replaceAll(".*:", ""));
        return s;
    }

    static Processes.Result curl(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Interop.require("curl"), "-sS", "--ssl-reqd", "--cacert", ca.toString(), "-u", "u:p"));
        cmd.addAll(List.of(args));
        return Processes.run(cwd, Duration.ofSeconds(30), null, cmd);
    }

    /**
     * A client that sends CCC and its close_notify in one segment (issue 16): the 200 must still come
     * over TLS, before the server's close_notify, and the connection go on in plaintext.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void cccWithItsCloseNotifyInOneSegmentStillGetsItsAnswer(String protocol) throws Exception {
        Server s = start("ccc-one-segment-" + protocol);
        try (org.nettytls.starttls.EnginePeer peer = org.nettytls.starttls.EnginePeer.connect(s.port)) {
            assertTrue(peer.readPlainLine().startsWith("220 "));
            peer.writePlain("AUTH TLS\r\n");
            assertTrue(peer.readPlainLine().startsWith("234 "));
            peer.startTls(clientTls, true, protocol);
            peer.writeTls("USER u\r\n");
            assertTrue(peer.readTlsLine().startsWith("331 "));
            peer.writeTls("PASS p\r\n");
            assertTrue(peer.readTlsLine().startsWith("230 "));
            java.io.ByteArrayOutputStream both = new java.io.ByteArrayOutputStream();
            both.writeBytes(peer.seal("CCC\r\n"));
            both.writeBytes(peer.closeNotify());
            peer.writeRaw(both.toByteArray());
            assertEquals("200 Control connection in plaintext from here\r\n", peer.awaitCloseNotify());
            peer.dropTls();
            peer.writePlain("NOOP\r\n");
            assertEquals("200 NOOP ok", peer.readPlainLine().trim());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"passive", "active"})
    void curlDownloadsAndUploadsWithCcc(String mode) throws Exception {
        Server s = start("curl-" + mode);
        Files.writeString(s.root.resolve("file.txt"), "the file's content\n".repeat(1000));
        Processes.Result get = curl(dir, "--ftp-ssl-ccc", "--ftp-ssl-ccc-mode", mode, "ftp://localhost:" + s.port + "/file.txt");
        assertEquals(0, get.exit, get + "\n" + s.log());
        assertEquals("the file's content\n".repeat(1000), get.stdout);
        Path upload = Files.writeString(dir.resolve("upload-" + mode + ".txt"), "uploaded over TLS\n".repeat(500));
        Processes.Result put = curl(dir, "--ftp-ssl-ccc", "--ftp-ssl-ccc-mode", mode, "-T", upload.toString(),
                "ftp://localhost:" + s.port + "/sub-" + mode + ".txt");
        assertEquals(0, put.exit, put + "\n" + s.log());
        assertEquals("uploaded over TLS\n".repeat(500), Files.readString(s.root.resolve("sub-" + mode + ".txt")));
        assertEquals(2, count(s.log(), "plaintext again after CCC"), s.log());
        assertEquals(2, count(s.log(), "data connection from /127.0.0.1:\\d+: TLSv1_3"), s.log());
        if (mode.equals("active")) {
            // curl with OpenSSL keeps the session only after a complete close_notify exchange; in
            // passive CCC mode it sends none, so OpenSSL marks the session not resumable.
            assertEquals(2, count(s.log(), "resumed the control connection's session"), s.log());
        }
    }

    static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void requireSslReuseTakesTheResumedSessionAndRefusesAFreshOne() throws Exception {
        Server s = start("reuse", "--require-ssl-reuse");
        Files.writeString(s.root.resolve("f.txt"), "resumed\n");
        Processes.Result ok = curl(dir, "ftp://localhost:" + s.port + "/f.txt");
        assertEquals(0, ok.exit, ok + "\n" + s.log());
        assertEquals("resumed\n", ok.stdout);
        s.await("resumed the control connection's session");
        Processes.Result fresh = curl(dir, "--no-sessionid", "ftp://localhost:" + s.port + "/f.txt");
        assertTrue(fresh.exit != 0, fresh + "\n" + s.log());
        assertEquals("", fresh.stdout);
        s.await("refused: expected the data connection to resume the control connection's TLS session, found a new session");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void lftpDownloadsAndUploads(boolean ccc) throws Exception {
        String lftp = Interop.require("lftp");
        Server s = start("lftp-" + ccc);
        Files.writeString(s.root.resolve("get.txt"), "for lftp\n".repeat(2000));
        Files.writeString(dir.resolve("lftp-put.txt"), "from lftp\n".repeat(2000));
        String script = "set ftp:ssl-force true; set ftp:ssl-use-ccc " + ccc + "; set ftp:ssl-protect-data true; set ssl:ca-file " + ca
                + "; set net:max-retries 1; set net:timeout 10; open -u u,p ftp://localhost:" + s.port
                + "; cat get.txt; put " + dir.resolve("lftp-put.txt") + " -o put.txt; ls; quit";
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(60), null, List.of(lftp, "-c", script));
        assertEquals(0, r.exit, r + "\n" + s.log());
        assertTrue(r.stdout.startsWith("for lftp\n".repeat(2000)), r + "\n" + s.log());
        assertTrue(r.stdout.contains("put.txt"), r.stdout);
        assertEquals("from lftp\n".repeat(2000), Files.readString(s.root.resolve("put.txt")));
        assertEquals(ccc ? 1 : 0, count(s.log(), "plaintext again after CCC"), s.log());
        // lftp resumes the control connection's session on its data connections, but after CCC it
        // has freed the control connection's TLS state and has no session left to offer.
        assertEquals(ccc ? 0 : 3, count(s.log(), "data connection from /127.0.0.1:\\d+: TLSv1_3, resumed the control connection's session"), s.log());
        assertEquals(3, count(s.log(), "data connection from /127.0.0.1:\\d+: TLSv1_3"), s.log());
    }

    @Test
    void opensslStarttlsFtpCompletes() throws Exception {
        String openssl = Interop.require("openssl");
        Server s = start("openssl");
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), "QUIT\r\n".getBytes(StandardCharsets.US_ASCII), List.of(openssl,
                "s_client", "-starttls", "ftp", "-connect", "127.0.0.1:" + s.port, "-servername", "localhost", "-verify_hostname", "localhost",
                "-CAfile", ca.toString(), "-verify_return_error", "-crlf"));
        assertEquals(0, r.exit, r + "\n" + s.log());
        assertTrue(r.stdout.contains("Verify return code: 0 (ok)"), r.toString());
        s.await("TLS on, TLSv1_3");
    }

    @Test
    void nothingOutsideTheRootCanBeNamed() throws Exception {
        Server s = start("jail");
        Path outside = Files.writeString(dir.resolve("secret.txt"), "outside the root\n");
        Files.writeString(s.root.resolve("inside.txt"), "inside\n");
        Files.createDirectories(s.root.resolve("sub"));
        Files.createSymbolicLink(s.root.resolve("link.txt"), outside);
        Files.createSymbolicLink(s.root.resolve("sub/up"), dir);
        try (RawFtp ftp = new RawFtp(s.port)) {
            ftp.login();
            for (String name : List.of("../secret.txt", "/../secret.txt", "sub/../../secret.txt", "link.txt", "sub/up/secret.txt",
                    outside.toString(), "sub/up")) {
                assertTrue(ftp.cmd("SIZE " + name).startsWith("550 "), "SIZE " + name);
                assertTrue(ftp.cmd("MDTM " + name).startsWith("550 "), "MDTM " + name);
            }
            assertTrue(ftp.cmd("CWD ../..").startsWith("250 "), "CWD .. stops at the root");
            assertEquals("257 \"/\" is the current directory", ftp.cmd("PWD"));
            assertTrue(ftp.cmd("CWD sub/up").startsWith("550 "));
            assertEquals("257 \"/\" is the current directory", ftp.cmd("PWD"));
            assertTrue(ftp.retr("link.txt").startsWith("550 "));
            assertTrue(ftp.retr("../secret.txt").startsWith("550 "));
            assertEquals("inside\n", ftp.retr("../../inside.txt"), ".. above the root is the root");
            assertEquals("7", ftp.cmd("SIZE sub/../inside.txt").substring(4));
            // STOR through a link to a folder outside, and STOR onto a link to a file outside.
            assertTrue(ftp.cmd("STOR sub/up/planted.txt").startsWith("425 "), "no PASV: refused before any file work");
            int p = ftp.epsv();
            try (Socket data = new Socket("127.0.0.1", p)) {
                assertTrue(ftp.cmd("STOR sub/up/planted.txt").startsWith("553 "));
            }
            p = ftp.epsv();
            try (Socket data = new Socket("127.0.0.1", p)) {
                assertTrue(ftp.cmd("STOR link.txt").startsWith("553 "));
            }
        }
        assertTrue(Files.notExists(dir.resolve("planted.txt")));
        assertEquals("outside the root\n", Files.readString(outside));
    }

    @Test
    void commandsInjectedBehindAuthTlsAreNeverAnswered() throws Exception {
        Server s = start("inject");
        try (RawFtp ftp = new RawFtp(s.port)) {
            ftp.send("AUTH TLS\r\nUSER u\r\n");
            assertTrue(ftp.reply().startsWith("234 "));
            // The server closes instead of taking USER as if it came over TLS.
            SSLSocket ssl = (SSLSocket) clientTls.getSocketFactory().createSocket(ftp.socket, "localhost", s.port, true);
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
                ssl.startHandshake();
                ssl.getInputStream().read();
            });
            assertTrue(e != null);
        }
        try (RawFtp ftp = new RawFtp(s.port)) {
            assertTrue(ftp.cmd("USER u").startsWith("530 "), "no login before TLS");
            assertTrue(ftp.cmd("PBSZ 0").startsWith("503 "));
            assertTrue(ftp.cmd("RETR x").startsWith("530 "));
            ftp.tls();
            assertTrue(ftp.cmd("USER u").startsWith("331 "));
            assertTrue(ftp.cmd("PASS wrong").startsWith("530 "));
            assertTrue(ftp.cmd("PBSZ 0").startsWith("200 "));
            assertTrue(ftp.cmd("PROT C").startsWith("534 "), "clear data only with --allow-clear-data");
            assertTrue(ftp.cmd("EPSV").startsWith("530 "), "no data connection before a login");
        }
    }

    /**
     * A TLS data connection abandoned in its ClientHello (a FIN, then a reset) gets the control
     * connection a 425 on every transport: the data channel is accepted, and its TLS handshake
     * fails, however early the client went (on io_uring thanks to Transport's fix, see
     * TransportTest.nettysOwnIoUringHandlerMissesAResetThatComesWithTheFirstBytes).
     */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void aDataConnectionAbandonedMidClientHelloGets425(Transport.Kind kind) throws Exception {
        try {
            Transport.of(kind);
        } catch (org.nettytls.TlsException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, e.getMessage());
        }
        Server s = start("abandon-" + kind.id(), "--transport", kind.id());
        Files.writeString(s.root.resolve("f.txt"), "mine\n");
        try (RawFtp ftp = new RawFtp(s.port)) {
            ftp.login();
            for (int round = 0; round < 20; round++) {
                boolean reset = round % 2 == 1;
                int p = ftp.epsv();
                assertTrue(ftp.cmd("RETR f.txt").startsWith("150 "));
                try (Socket data = new Socket("127.0.0.1", p)) {
                    // A TLS record header announcing a ClientHello, and a little of it.
                    data.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
                    if (reset) {
                        data.setSoLinger(true, 0);
                    }
                }
                String reply;
                try {
                    reply = ftp.reply();
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("no reply to a data connection abandoned with a " + (reset ? "reset" : "FIN")
                            + " on " + kind.id() + " within 10 s, expected a 425\n" + s.log(), e);
                }
                assertTrue(reply != null && reply.startsWith("425 TLS handshake on the data connection failed"),
                        (reset ? "reset" : "FIN") + " on " + kind.id() + ": " + reply + "\n" + s.log());
            }
            assertTrue(ftp.cmd("NOOP").startsWith("200 "), "the control connection goes on");
        }
    }

    @Test
    void aDataConnectionFromAnotherAddressIsTurnedAway() throws Exception {
        Server s = start("thief");
        Files.writeString(s.root.resolve("f.txt"), "mine\n");
        try (RawFtp ftp = new RawFtp(s.port)) {
            ftp.login();
            int p = ftp.epsv();
            try (Socket thief = new Socket()) {
                thief.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
                thief.connect(new InetSocketAddress("127.0.0.1", p));
                thief.setSoTimeout(10_000);
                assertEquals(-1, thief.getInputStream().read(), "closed without a byte");
            }
            s.await("data connection from /127.0.0.2:\\d+ refused: expected one from 127.0.0.1");
            try (Socket plainData = new Socket("127.0.0.1", p)) {
                assertTrue(ftp.cmd("RETR f.txt").startsWith("150 "));
                SSLSocket data = (SSLSocket) clientTls.getSocketFactory().createSocket(plainData, "localhost", p, true);
                assertEquals("mine\n", new String(data.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                assertTrue(ftp.reply().startsWith("226 "));
            }
        }
    }

    /**
     * {@code SSL_session_key}: a netty-tls client files its data connection's session under the
     * control connection's key, so the data connection resumes the control connection's session,
     * which {@code --require-ssl-reuse} insists on; under any other key it starts a new session and
     * is refused.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void nettyTlsDataConnectionsResumeTheControlSessionUnderItsKey(String version) throws Exception {
        Server s = start("session-key-" + version, "--require-ssl-reuse");
        Files.writeString(s.root.resolve("f.txt"), "over the resumed session\n".repeat(100));
        org.nettytls.TlsClientContext tls = org.nettytls.TlsClientContext.create(org.nettytls.TlsClientOptions.builder()
                .caFile(ca).version(version).build());
        try (NettyFtpsClient ftp = new NettyFtpsClient(tls, s.port)) {
            ftp.login("u", "p");
            NettyFtpsClient.Transfer same = ftp.retr("f.txt", ftp.controlSessionKey());
            assertEquals(Boolean.TRUE, same.resumed, same + "\n" + s.log());
            assertTrue(same.outcome.startsWith("226 "), same + "\n" + s.log());
            assertEquals("over the resumed session\n".repeat(100), same.content);
            s.await("data connection from /127.0.0.1:\\d+: TLSv1_[23], resumed the control connection's session");

            NettyFtpsClient.Transfer other = ftp.retr("f.txt", "localhost:elsewhere");
            assertEquals(Boolean.FALSE, other.resumed, other + "\n" + s.log());
            assertTrue(other.outcome.startsWith("425 "), other + "\n" + s.log());
            assertEquals("", other.content, "not a byte of the file over the refused connection");
            s.await("refused: expected the data connection to resume the control connection's TLS session, found a new session");

            // The control connection's session is still there to resume.
            assertEquals(Boolean.TRUE, ftp.retr("f.txt", ftp.controlSessionKey()).resumed);
        }
    }

    /**
     * A client that resets its TLS data connection in the middle of a RETR gets exactly one
     * {@code 426} on the control connection, which keeps working. The file is far larger than
     * what the socket buffers hold, so the server is mid-file when the reset comes. The client
     * sends its close_notify before the reset, as a Netty client does. Ten rounds: before the fix
     * about every other reset lost its 426, depending on where the file executor was;
     * FtpDataConnectionTest pins that case down without the race.
     */
    @Test
    void aDataConnectionResetMidRetrGetsOne426AndTheControlConnectionGoesOn() throws Exception {
        Server s = start("reset-mid-retr");
        byte[] block = new byte[1 << 20];
        try (OutputStream big = Files.newOutputStream(s.root.resolve("big.bin"))) {
            for (int i = 0; i < 48; i++) {
                big.write(block);
            }
        }
        try (RawFtp ftp = new RawFtp(s.port)) {
            ftp.login();
            for (int round = 0; round < 10; round++) {
                int p = ftp.epsv();
                try (Socket plainData = new Socket("127.0.0.1", p)) {
                    plainData.setSoTimeout(10_000);
                    assertTrue(ftp.cmd("RETR big.bin").startsWith("150 "));
                    SSLSocket data = (SSLSocket) clientTls.getSocketFactory().createSocket(plainData, "localhost", p, true);
                    assertTrue(data.getInputStream().read(new byte[16]) > 0, "some of the file came");
                    // The client's close_notify, then (SO_LINGER 0) a TCP RST rather than a FIN.
                    plainData.setSoLinger(true, 0);
                    data.close();
                }
                String reply;
                try {
                    reply = ftp.reply();
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("round " + round + ": no reply to the reset within 10 s, expected a 426\n" + s.log(), e);
                }
                assertTrue(reply != null && reply.startsWith("426 "), "round " + round + ": expected a 426, found " + reply + "\n" + s.log());
                String noop = ftp.cmd("NOOP");
                assertTrue(noop.startsWith("200 "), "round " + round + ": exactly one reply to the reset, then NOOP's, found " + noop);
            }
            assertTrue(ftp.cmd("QUIT").startsWith("221 "));
        }
    }
}
