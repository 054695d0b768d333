package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
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
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/** ftp-server against curl (both CCC modes), lftp, openssl s_client, and attacks on its folder and its data connections. */
class FtpServerTest {
    @TempDir
    static Path dir;
    static Path ca;
    static Path cert;
    static Path key;

    @BeforeAll
    static void pki() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost").ip("127.0.0.1").signedBy(root).build();
        ca = root.writeTo(dir.resolve("ca")).get(0);
        List<Path> files = server.writeTo(dir.resolve("server"));
        cert = files.get(0);
        key = files.get(1);
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
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Pattern p = Pattern.compile(regex);
            while (System.nanoTime() < deadline) {
                Matcher m = p.matcher(log());
                if (m.find()) {
                    return m.group();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            throw new AssertionError("no /" + regex + "/ in the server's log within 10 s:\n" + log());
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
        System.out.println(s.log());
    }
}
