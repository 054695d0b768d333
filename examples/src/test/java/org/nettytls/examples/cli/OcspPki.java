package org.nettytls.examples.cli;

import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Await;
import org.nettytls.testing.Processes;

/**
 * A root, an intermediate "ca" and a delegated OCSP responder, with real {@code openssl ocsp}
 * responders: one for the certificates the intermediate issues (index kept by {@code openssl ca},
 * signed by the delegated responder with {@code -rsigner}), one for the root's (the intermediate
 * itself, signed by the root). Certificates are written as {@code NAME.pem} (chain, leaf first)
 * and {@code NAME.key}; {@code root.pem} is the trust anchor.
 */
final class OcspPki implements AutoCloseable {
    final Path dir;
    final String openssl;
    final HeldCertificate root;
    final HeldCertificate ca;
    final String caUrl;
    final String rootUrl;
    private final HeldCertificate responder;
    private final List<Process> responders = new ArrayList<>();

    /** The PKI; with {@code intermediateRevoked} the root's responder says the intermediate is revoked. */
    OcspPki(Path dir, boolean intermediateRevoked) throws Exception {
        this.dir = dir;
        this.openssl = Interop.require("openssl");
        caUrl = "http://127.0.0.1:" + freePort();
        rootUrl = "http://127.0.0.1:" + freePort();
        root = HeldCertificate.builder().commonName("Serve OCSP Root").certificateAuthority(1).rsa(2048).build();
        ca = HeldCertificate.builder().commonName("Serve OCSP CA").certificateAuthority(0).rsa(2048)
                .serialNumber(BigInteger.valueOf(0x500)).ocspUrl(rootUrl).signedBy(root).build();
        responder = HeldCertificate.builder().commonName("Serve OCSP Responder").rsa(2048)
                .extendedKeyUsage(HeldCertificate.OCSP_SIGNING).ocspNoCheck(true).signedBy(ca).build();
        root.writeTo(dir.resolve("root"));
        ca.writeTo(dir.resolve("ca"));
        responder.writeTo(dir.resolve("responder"));
        for (String db : List.of("ca", "root")) {
            Files.writeString(dir.resolve(db + ".cnf"), "[ca]\ndefault_ca = d\n[d]\ndatabase = " + db
                    + "-index.txt\ndefault_md = sha256\nunique_subject = no\n");
            Files.writeString(dir.resolve(db + "-index.txt"), "");
        }
        record("root", "ca.pem", intermediateRevoked);
    }

    /** A certificate for {@code name} issued by the intermediate, recorded as good or revoked (keyCompromise). */
    HeldCertificate leaf(String file, String name, long serial, boolean ec, boolean revoked) throws Exception {
        HeldCertificate.Builder b = HeldCertificate.builder().commonName(name).dns(name)
                .serialNumber(BigInteger.valueOf(serial)).ocspUrl(caUrl);
        HeldCertificate leaf = (ec ? b : b.rsa(2048)).signedBy(ca).build();
        leaf.writeTo(dir.resolve(file));
        record("ca", file + ".pem", revoked);
        return leaf;
    }

    private void record(String db, String pem, boolean revoked) throws IOException {
        String signer = db.equals("ca") ? "ca" : "root";
        List<String> cmd = new ArrayList<>(List.of(openssl, "ca", "-config", db + ".cnf", "-cert", signer + ".pem",
                "-keyfile", signer + ".key"));
        cmd.addAll(revoked ? List.of("-revoke", pem, "-crl_reason", "keyCompromise") : List.of("-valid", pem));
        Processes.run(dir, cmd).expectSuccess();
    }

    /** Starts both responders (after every certificate is recorded: openssl ocsp reads its index at start). */
    OcspPki start() throws Exception {
        start(caUrl, "ca-index.txt", "ca.pem", "responder");
        start(rootUrl, "root-index.txt", "root.pem", "root");
        return this;
    }

    private void start(String url, String index, String caFile, String signer) throws Exception {
        String port = url.substring(url.lastIndexOf(':') + 1);
        Path log = dir.resolve("ocsp-" + port + ".log");
        Process p = new ProcessBuilder(openssl, "ocsp", "-port", port, "-index", index, "-CA", caFile, "-rsigner",
                signer + ".pem", "-rkey", signer + ".key", "-ndays", "1").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        responders.add(p);
        // Not a probe connection: openssl ocsp serves one connection at a time and would wait on it.
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        while (!Processes.readLog(log).contains("waiting for OCSP client connections")) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                throw new AssertionError("openssl ocsp did not start: " + Processes.readLog(log));
            }
            Thread.sleep(20);
        }
    }

    String path(String name) {
        return dir.resolve(name).toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : responders) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
