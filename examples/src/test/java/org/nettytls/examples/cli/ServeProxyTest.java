package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/**
 * {@code serve --upstream}: the TLS-terminating proxy between real clients (curl, Perl's
 * IO::Socket::SSL) and real upstreams (the JDK's HTTP server, plain sockets, another netty-tls
 * server), on real sockets.
 */
class ServeProxyTest {
    private static final Pattern RELAY = Pattern.compile("relay \\S+ <-> \\S+ closed: (\\d+) bytes to upstream, (\\d+) bytes "
            + "to client, client reads paused (\\d+) times, upstream reads paused (\\d+) times, at most (\\d+) bytes buffered");
    /** The relay's bound: two 256 KiB high-water marks and one read's worth each way, with room to spare. */
    private static final long BUFFER_BOUND = 1024 * 1024;

    @TempDir
    Path dir;

    private HttpServer http;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicInteger httpRequests = new AtomicInteger();
    private final CompletableFuture<String> bigDigest = new CompletableFuture<>();

    @BeforeEach
    void pkiAndWebServer() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Proxy Test CA").certificateAuthority(0).build();
        HeldCertificate.builder().commonName("localhost").dns("localhost").ip("127.0.0.1").signedBy(ca).build()
                .writeTo(dir.resolve("leaf"));
        HeldCertificate.builder().commonName("client").signedBy(ca).build().writeTo(dir.resolve("client"));
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());

        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", x -> {
            httpRequests.incrementAndGet();
            byte[] page = "hello through the proxy\n".getBytes(StandardCharsets.US_ASCII);
            x.sendResponseHeaders(200, page.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(page);
            }
        });
        http.createContext("/bytes", x -> {
            long length = Long.parseLong(x.getRequestURI().getQuery());
            x.sendResponseHeaders(200, length);
            try (OutputStream o = x.getResponseBody()) {
                bigDigest.complete(sendPattern(o, length));
            }
        });
        http.start();
    }

    @AfterEach
    void stop() throws Exception {
        http.stop(0);
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    @Test
    void curlGetsThePageThroughTheProxy() throws Exception {
        String curl = Interop.require("curl");
        RunningCommand serve = serve(1, "--upstream", "127.0.0.1:" + http.getAddress().getPort());
        Processes.Result r = curl(curl, serve.port, "/");
        assertEquals(0, r.exit, r::toString);
        assertEquals("hello through the proxy\n", r.stdout);
        String out = serve.finish();
        assertTrue(out.matches("(?s)transport: (io_uring|epoll \\(io_uring unavailable: .*\\)|nio \\(io_uring unavailable: .*\\))\\R.*"), out);
        Matcher m = relayLine(out);
        assertTrue(Long.parseLong(m.group(2)) > "hello through the proxy\n".length(), out);
    }

    @Test
    void aHundredMebibytesArriveIntactWithBoundedBuffering() throws Exception {
        String curl = Interop.require("curl");
        long length = 100L * 1024 * 1024;
        RunningCommand serve = serve(1, "--upstream", "127.0.0.1:" + http.getAddress().getPort());
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(120), null, List.of(curl, "-sS", "--cacert", "ca.pem",
                "-o", "big.bin", "https://localhost:" + serve.port + "/bytes?" + length));
        assertEquals(0, r.exit, r::toString);
        assertEquals(length, Files.size(dir.resolve("big.bin")));
        assertEquals(bigDigest.get(10, TimeUnit.SECONDS), sha256(dir.resolve("big.bin")), "what curl wrote differs from what the server sent");
        Matcher m = relayLine(serve.finish());
        assertTrue(Long.parseLong(m.group(2)) > length);
        assertTrue(Long.parseLong(m.group(5)) < BUFFER_BOUND, m.group());
    }

    @Test
    void aSlowReaderMakesTheProxyStopReadingTheUpstream() throws Exception {
        String curl = Interop.require("curl");
        // More than the kernel buffers on both connections hold, read at a quarter of the time it takes.
        long length = 48L * 1024 * 1024;
        RunningCommand serve = serve(1, "--upstream", "127.0.0.1:" + http.getAddress().getPort());
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(60), null, List.of(curl, "-sS", "--cacert", "ca.pem",
                "--limit-rate", "16M", "-o", "slow.bin", "https://localhost:" + serve.port + "/bytes?" + length));
        assertEquals(0, r.exit, r::toString);
        assertEquals(bigDigest.get(10, TimeUnit.SECONDS), sha256(dir.resolve("slow.bin")));
        Matcher m = relayLine(serve.finish());
        assertTrue(Integer.parseInt(m.group(4)) > 0, () -> "the proxy never stopped reading the upstream: " + m.group());
        assertTrue(Long.parseLong(m.group(5)) < BUFFER_BOUND, m.group());
    }

    @Test
    void aClientsHalfCloseReachesTheUpstreamAndTheAnswerStillComesBack() throws Exception {
        String perl = Interop.requirePerlIoSocketSsl();
        // The upstream answers only once it has seen the end of the request.
        Upstream upstream = upstream(s -> {
            byte[] request = s.getInputStream().readAllBytes();
            s.getOutputStream().write(("upstream got " + new String(request, StandardCharsets.US_ASCII) + " then EOF\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return "";
        });
        RunningCommand serve = serve(1, "--upstream", "127.0.0.1:" + upstream.port());
        Processes.Result r = perl(perl, serve.port, ""
                + "print $s 'request' or die 'write';\n"
                + "shutdown($s, 1) or die \"shutdown: $!\";\n"
                + "my $reply = join '', <$s>;\n"
                + "print \"reply: $reply\";\n");
        assertEquals(0, r.exit, r::toString);
        assertEquals("reply: upstream got request then EOF\n", r.stdout, r::toString);
        upstream.done();
        relayLine(serve.finish());
    }

    @Test
    void anUpstreamsHalfCloseReachesTheClientWhichMayStillSend() throws Exception {
        String perl = Interop.requirePerlIoSocketSsl();
        Upstream upstream = upstream(s -> {
            s.getOutputStream().write("greeting\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        });
        RunningCommand serve = serve(1, "--upstream", "127.0.0.1:" + upstream.port());
        Processes.Result r = perl(perl, serve.port, ""
                + "my $greeting = join '', <$s>;\n"
                + "print \"greeting: $greeting\";\n"
                + "print $s \"late data\\n\" or die \"write after the server's end: $SSL_ERROR\";\n"
                + "$s->close or die 'close';\n");
        assertEquals(0, r.exit, r::toString);
        assertEquals("greeting: greeting\n", r.stdout, r::toString);
        assertEquals("late data\n", upstream.done());
        relayLine(serve.finish());
    }

    @Test
    void theProxyProtocolHeaderTellsTheUpstreamTheClientsAddress() throws Exception {
        String curl = Interop.require("curl");
        Upstream upstream = upstream(s -> {
            DataInputStream in = new DataInputStream(s.getInputStream());
            String header = parseProxyV2(in);
            readHttpHeader(in);
            byte[] body = header.getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            return header;
        });
        RunningCommand serve = serve(1, "--upstream", "127.0.0.1:" + upstream.port(), "--proxy-protocol");
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), null, List.of(curl, "-sS", "--cacert", "ca.pem",
                "-w", " curl=%{local_ip}:%{local_port}", "https://localhost:" + serve.port + "/"));
        assertEquals(0, r.exit, r::toString);
        Matcher m = Pattern.compile("PROXY TCP4 src=(\\S+) dst=(\\S+) curl=(\\S+)").matcher(r.stdout);
        assertTrue(m.matches(), r::toString);
        assertEquals(m.group(3), m.group(1), "the header's source is curl's own address");
        assertEquals("127.0.0.1:" + serve.port, m.group(2), "the header's destination is the address curl connected to");
        upstream.done();
        serve.finish();
    }

    @Test
    void upstreamTlsVerifiesTheUpstreamAndRelays() throws Exception {
        String curl = Interop.require("curl");
        // The upstream is itself a netty-tls TLS server: serve --upstream in front of the web server.
        RunningCommand tlsUpstream = serve(1, "--upstream", "127.0.0.1:" + http.getAddress().getPort());
        RunningCommand bridge = bridgeTo(tlsUpstream, "localhost");
        Processes.Result r = curl(curl, bridge.port, "/");
        assertEquals(0, r.exit, r::toString);
        assertEquals("hello through the proxy\n", r.stdout);
        relayLine(bridge.finish());
        relayLine(tlsUpstream.finish());
    }

    @Test
    void upstreamTlsRefusesAnUpstreamWithTheWrongName() throws Exception {
        String curl = Interop.require("curl");
        RunningCommand tlsUpstream = serve(1, "--upstream", "127.0.0.1:" + http.getAddress().getPort());
        RunningCommand bridge = bridgeTo(tlsUpstream, "wrong.test");
        Processes.Result r = curl(curl, bridge.port, "/");
        assertNotEquals(0, r.exit, r::toString);
        assertEquals("", r.stdout);
        String out = bridge.finish();
        assertTrue(out.contains("upstream refused: ") && out.contains("wrong.test") && out.contains("[hostname-mismatch]"), out);
        assertFalse(RELAY.matcher(out).find(), out);
        tlsUpstream.finish();
        assertEquals(0, httpRequests.get(), "the request reached the web server behind a refused upstream");
    }

    @Test
    void aClientWithoutTheRequiredCertificateNeverReachesTheUpstream() throws Exception {
        String curl = Interop.require("curl");
        AtomicInteger accepted = new AtomicInteger();
        Upstream upstream = upstream(s -> {
            accepted.incrementAndGet();
            readHttpHeader(new DataInputStream(s.getInputStream()));
            s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return "";
        });
        RunningCommand serve = serve(2, "--upstream", "127.0.0.1:" + upstream.port(), "--client-ca", p("ca.pem"), "--verify-client");
        Processes.Result refused = curl(curl, serve.port, "/");
        assertNotEquals(0, refused.exit, refused::toString);
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), null, List.of(curl, "-sS", "--cacert", "ca.pem",
                "--cert", "client.pem", "--key", "client.key", "https://localhost:" + serve.port + "/"));
        assertEquals(0, r.exit, r::toString);
        assertEquals("ok\n", r.stdout);
        upstream.done();
        serve.finish();
        assertEquals(1, accepted.get(), "only the client with a certificate may reach the upstream");
    }

    @Test
    void upstreamOptionsAreCheckedAsUsage() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String cert = "default=" + p("leaf.pem") + "," + p("leaf.key");
        assertEquals(Main.USAGE, Main.run(new PrintWriter(out), new PrintWriter(err), "serve", "--listen", "127.0.0.1:0",
                "--cert", cert, "--upstream", "127.0.0.1:1", "--echo"));
        assertEquals(Main.USAGE, Main.run(new PrintWriter(out), new PrintWriter(err), "serve", "--listen", "127.0.0.1:0",
                "--cert", cert, "--upstream", "no-port"));
        assertEquals(Main.USAGE, Main.run(new PrintWriter(out), new PrintWriter(err), "serve", "--listen", "127.0.0.1:0",
                "--cert", cert, "--proxy-protocol"));
        assertEquals(Main.USAGE, Main.run(new PrintWriter(out), new PrintWriter(err), "serve", "--listen", "127.0.0.1:0",
                "--cert", cert, "--upstream", "127.0.0.1:1", "--upstream-name", "x.test"));
        String[] lines = err.toString().split("\\R");
        assertEquals(4, lines.length, err::toString);
        assertTrue(lines[0].contains("either --echo or --upstream"), lines[0]);
        assertTrue(lines[1].contains("expected HOST:PORT"), lines[1]);
        assertTrue(lines[2].contains("need --upstream HOST:PORT"), lines[2]);
        assertTrue(lines[3].contains("need --upstream-tls"), lines[3]);
    }

    // ---- helpers

    private RunningCommand serve(int naccept, String... args) {
        List<String> all = new ArrayList<>(List.of("serve", "--listen", "127.0.0.1:0", "--naccept", String.valueOf(naccept),
                "--cert", "default=" + p("leaf.pem") + "," + p("leaf.key")));
        all.addAll(List.of(args));
        return new RunningCommand(all.toArray(new String[0]));
    }

    /** {@code serve --upstream-tls} to {@code tlsUpstream}, expecting {@code name} in its certificate. */
    private RunningCommand bridgeTo(RunningCommand tlsUpstream, String name) {
        return serve(1, "--upstream", "127.0.0.1:" + tlsUpstream.port, "--upstream-tls", "--upstream-ca", p("ca.pem"),
                "--upstream-name", name);
    }

    private Processes.Result curl(String curl, int port, String path) {
        return Processes.run(dir, Duration.ofSeconds(30), null, List.of(curl, "-sS", "--cacert", "ca.pem",
                "https://localhost:" + port + path));
    }

    /** Runs {@code body} in Perl with {@code $s}, an IO::Socket::SSL client connected through the proxy and verified. */
    private Processes.Result perl(String perl, int port, String body) {
        String script = "use strict; use warnings; use IO::Socket::SSL;\n"
                + "my $s = IO::Socket::SSL->new(PeerAddr => '127.0.0.1:" + port + "', SSL_ca_file => 'ca.pem',\n"
                + "    SSL_verifycn_name => 'localhost', SSL_verifycn_scheme => 'default') or die \"connect: $SSL_ERROR\";\n"
                + body;
        return Processes.run(dir, Duration.ofSeconds(30), null, List.of(perl, "-e", script));
    }

    private static Matcher relayLine(String out) {
        Matcher m = RELAY.matcher(out);
        assertTrue(m.find(), () -> "no relay summary in:\n" + out);
        assertFalse(out.substring(m.start()).split("\\R")[0].contains("failed:"), out);
        return m;
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    /** One-connection plain TCP upstream whose handler's result {@link #done()} returns. */
    private record Upstream(ServerSocket socket, CompletableFuture<String> result) implements AutoCloseable {
        int port() {
            return socket.getLocalPort();
        }

        String done() throws Exception {
            return result.get(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private interface Conversation {
        String run(Socket s) throws IOException;
    }

    private Upstream upstream(Conversation conversation) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Upstream u = new Upstream(server, new CompletableFuture<>());
        closing.add(u);
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                s.setSoTimeout(30_000);
                u.result.complete(conversation.run(s));
            } catch (IOException | RuntimeException e) {
                u.result.completeExceptionally(e);
            }
        }, "test-upstream");
        t.setDaemon(true);
        t.start();
        return u;
    }

    /**
     * Reads a PROXY protocol v2 header by the HAProxy specification (section 2.2), independently
     * of the Netty encoder that wrote it: "PROXY TCP4 src=IP:PORT dst=IP:PORT".
     */
    private static String parseProxyV2(DataInputStream in) throws IOException {
        byte[] signature = new byte[12];
        in.readFully(signature);
        assertEquals("0d0a0d0a000d0a515549540a", HexFormat.of().formatHex(signature), "PROXY v2 signature");
        assertEquals(0x21, in.readUnsignedByte(), "version 2, command PROXY");
        int family = in.readUnsignedByte();
        assertEquals(0x11, family, "AF_INET, STREAM");
        int length = in.readUnsignedShort();
        byte[] rest = new byte[length];
        in.readFully(rest);
        assertTrue(length >= 12, "address block length " + length);
        String src = InetAddress.getByAddress(java.util.Arrays.copyOfRange(rest, 0, 4)).getHostAddress();
        String dst = InetAddress.getByAddress(java.util.Arrays.copyOfRange(rest, 4, 8)).getHostAddress();
        int srcPort = (rest[8] & 0xff) << 8 | rest[9] & 0xff;
        int dstPort = (rest[10] & 0xff) << 8 | rest[11] & 0xff;
        return "PROXY TCP4 src=" + src + ":" + srcPort + " dst=" + dst + ":" + dstPort;
    }

    private static void readHttpHeader(InputStream in) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        while (!header.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the request ended inside its header: " + header);
            }
            header.write(b);
        }
    }

    /** Writes {@code length} pseudo-random bytes and returns their SHA-256 in hex. */
    private static String sendPattern(OutputStream o, long length) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Random random = new Random(length);
            byte[] chunk = new byte[64 * 1024];
            for (long left = length; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, left);
                sha.update(chunk, 0, n);
                o.write(chunk, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = new byte[64 * 1024];
            for (int n; (n = in.read(b)) > 0;) {
                sha.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
