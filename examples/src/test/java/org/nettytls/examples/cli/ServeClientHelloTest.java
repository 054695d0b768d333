package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.fuzz.Property;
import org.nettytls.sni.HelloParity;
import org.nettytls.sni.HelloShape;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Processes;

/**
 * {@code serve} and {@code serve --upstream} answer hostile ClientHellos on a real socket with
 * the bytes a plain Netty server on the same BoringSSL and certificate sends, and their log lines
 * say what was wrong with the hello; TLS 1.2 tickets only with {@code --session-tickets}.
 */
class ServeClientHelloTest {
    @TempDir
    Path dir;

    private final Loopback loop = new Loopback();

    @AfterEach
    void close() {
        loop.close();
    }

    private Path leaf() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Hello CA").certificateAuthority(0).build();
        HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(ca).build().writeTo(dir.resolve("leaf"));
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        return dir.resolve("leaf.pem");
    }

    @Test
    void serveAndServeUpstreamAnswerHostileHellosAsPlainBoringSslAndSayWhy() throws Exception {
        leaf();
        TlsServerContext context = TlsServerContext.create(TlsServerOptions.builder()
                .certificateFile(dir.resolve("leaf.pem"), dir.resolve("leaf.key")).build());
        int plainPort = loop.server(context, side -> { });
        HelloParity.Server embedded = HelloParity.plain(context);
        Random r = new Random(Property.RUN_SEED);
        List<HelloShape> hostile = new ArrayList<>();
        while (hostile.size() < 6) {
            HelloShape shape = HelloShape.next(r);
            if (!shape.refusedName && shape.wire.length < 4000 && embedded.run(shape.reads).wire.startsWith("alert")) {
                hostile.add(shape);
            }
        }
        byte[] control = HelloShape.usual("a\u001b[31m.test".getBytes(StandardCharsets.ISO_8859_1), r).wire;
        byte[] twoNames = HelloShape.twoNames("localhost".getBytes(StandardCharsets.US_ASCII), r).wire;
        for (String mode : new String[] {"--echo", "--upstream"}) {
            List<String> args = new ArrayList<>(List.of("serve", "--listen", "127.0.0.1:0", "--naccept", String.valueOf(hostile.size() + 2),
                    "--cert", "default=" + dir.resolve("leaf.pem") + "," + dir.resolve("leaf.key"), mode));
            if (mode.equals("--upstream")) {
                // Never reached: no hostile hello gets through its handshake.
                args.add("127.0.0.1:9");
            }
            RunningCommand serve = new RunningCommand(args.toArray(new String[0]));
            for (HelloShape shape : hostile) {
                assertEquals(HelloParity.describe(exchange(plainPort, shape.wire)), HelloParity.describe(exchange(serve.port, shape.wire)),
                        mode + " " + shape.show());
            }
            assertEquals("alert 1503010002022f", HelloParity.describe(exchange(serve.port, control)), mode);
            assertEquals(HelloParity.describe(exchange(plainPort, twoNames)), HelloParity.describe(exchange(serve.port, twoNames)), mode);
            String out = serve.finish();
            assertTrue(out.contains(" 'a\\x1b[31m.test' failed: the client sent a ClientHello that names the server 'a\\x1b[31m.test'"
                    + ", with control or non-ASCII bytes"), out);
            assertTrue(out.contains("sent illegal_parameter [handshake-failed]"), out);
            assertFalse(out.contains("\u001b"), "a raw escape byte reached the log");
            assertTrue(out.contains("server_name list that is not exactly one name (BoringSSL answers decode_error)"), out);
            assertFalse(out.contains("invalid library"), out);
        }
    }

    /** {@code openssl s_client -tls1_2 -sess_out} gets a ticket only from {@code serve --session-tickets}, and resumes either way. */
    @Test
    void tls12TicketsOnlyWithSessionTickets() throws Exception {
        String openssl = Interop.require("openssl");
        leaf();
        for (boolean tickets : new boolean[] {false, true}) {
            List<String> args = new ArrayList<>(List.of("serve", "--listen", "127.0.0.1:0", "--naccept", "2", "--echo",
                    "--cert", "default=" + dir.resolve("leaf.pem") + "," + dir.resolve("leaf.key")));
            if (tickets) {
                args.add("--session-tickets");
            }
            RunningCommand serve = new RunningCommand(args.toArray(new String[0]));
            List<String> base = List.of(openssl, "s_client", "-connect", "127.0.0.1:" + serve.port, "-tls1_2", "-CAfile",
                    "ca.pem", "-servername", "localhost");
            List<String> first = new ArrayList<>(base);
            first.addAll(List.of("-sess_out", "s-" + tickets + ".pem"));
            Processes.Result r1 = Processes.run(dir, Duration.ofSeconds(30), new byte[0], first);
            assertTrue(r1.stdout.contains("New, TLSv1.2"), r1::toString);
            assertEquals(tickets, r1.stdout.contains("TLS session ticket:"), r1::toString);
            List<String> second = new ArrayList<>(base);
            second.addAll(List.of("-sess_in", "s-" + tickets + ".pem"));
            Processes.Result r2 = Processes.run(dir, Duration.ofSeconds(30), new byte[0], second);
            assertTrue(r2.stdout.contains("Reused, TLSv1.2"), r2::toString);
            serve.finish();
        }
    }

    /** Writes {@code wire} and reads until the server closes. */
    private static byte[] exchange(int port, byte[] wire) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(wire);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            try {
                for (int b; (b = in.read()) >= 0; ) {
                    got.write(b);
                }
            } catch (SocketException reset) {
                // Closed with bytes unread: a reset after the alert.
            }
            return got.toByteArray();
        }
    }
}
