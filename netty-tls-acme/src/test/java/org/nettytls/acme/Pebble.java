package org.nettytls.acme;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.Pem;
import org.nettytls.testing.Interop;

/**
 * Debian's pebble (2.4.0) on 127.0.0.1 free ports, with pebble-challtestsrv as its DNS so that
 * every name resolves to 127.0.0.1: pebble validates tls-alpn-01 at {@code tlsPort} and http-01
 * at {@code httpPort} there, the ports of the server under test. Its HTTPS certificate comes from
 * a CA minted here ({@link #httpsCa()}); its issuing root is fetched from the management port.
 * Skips (or fails under {@code -Dnetty-tls.interop=required}) when pebble is not installed.
 */
public final class Pebble implements AutoCloseable {
    private final Path dir;
    private final HeldCertificate httpsCa;
    private final int port;
    private final int managementPort;
    private final int dnsPort;
    private final int challtestManagementPort;
    private final String pebble;
    private final Process dns;
    private Process server;
    private final StringBuffer log = new StringBuffer();

    /** Which ports pebble validates at, and what it may refuse. */
    public static final class Config {
        int tlsPort = 5001;
        int httpPort = 5002;
        long validitySeconds;
        List<String> blocklist = new ArrayList<>();
        String ocspUrl = "";

        /** The OCSP URL pebble writes into the certificates it issues ({@code ocspResponderURL}); it answers none itself. */
        public Config ocspUrl(String url) {
            this.ocspUrl = url;
            return this;
        }

        public Config tlsPort(int p) {
            this.tlsPort = p;
            return this;
        }

        public Config httpPort(int p) {
            this.httpPort = p;
            return this;
        }

        /** pebble 2.4.0's {@code certificateValidityPeriod}, in seconds; 0 keeps its default (5 years). */
        public Config validitySeconds(long s) {
            this.validitySeconds = s;
            return this;
        }

        /** Names pebble refuses to issue for ({@code domainBlocklist}). */
        public Config block(String name) {
            blocklist.add(name);
            return this;
        }
    }

    private Pebble(Path dir) throws Exception {
        this.pebble = Interop.require("pebble");
        String challtest = Interop.require("pebble-challtestsrv");
        this.dir = dir;
        this.httpsCa = HeldCertificate.builder().commonName("Pebble HTTPS Test CA").certificateAuthority(0).build();
        HeldCertificate https = HeldCertificate.builder().commonName("pebble").dns("localhost").ip("127.0.0.1")
                .signedBy(httpsCa).build();
        Files.writeString(dir.resolve("pebble-cert.pem"), https.chainPem());
        Files.writeString(dir.resolve("pebble-key.pem"), Pem.privateKey(https.privateKey()));
        Files.writeString(dir.resolve("pebble-https-ca.pem"), httpsCa.certificatePem());
        this.port = freeTcpPort();
        this.managementPort = freeTcpPort();
        this.dnsPort = freeUdpPort();
        this.challtestManagementPort = freeTcpPort();
        // Only its DNS: every A query answers 127.0.0.1; its own challenge servers stay off.
        this.dns = start(List.of(challtest, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:" + dnsPort,
                "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:" + challtestManagementPort), "challtestsrv");
    }

    /** A pebble for the server under test; close it when done. */
    public static Pebble start(Path dir, Config config) throws Exception {
        Pebble p = new Pebble(dir);
        try {
            p.startServer(config);
        } catch (Exception | AssertionError e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Starts pebble (again, after {@link #stop()}) on the same ports with {@code config}; its state starts empty. */
    public void startServer(Config config) throws Exception {
        StringBuilder block = new StringBuilder();
        for (String b : config.blocklist) {
            block.append(block.length() == 0 ? "" : ", ").append('"').append(b).append('"');
        }
        String json = "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" + port + "\", \"managementListenAddress\": \"127.0.0.1:"
                + managementPort + "\", \"certificate\": \"" + dir.resolve("pebble-cert.pem") + "\", \"privateKey\": \""
                + dir.resolve("pebble-key.pem") + "\", \"httpPort\": " + config.httpPort + ", \"tlsPort\": " + config.tlsPort
                + ", \"ocspResponderURL\": \"" + config.ocspUrl + "\", \"externalAccountBindingRequired\": false, \"domainBlocklist\": [" + block + "]"
                + (config.validitySeconds > 0 ? ", \"certificateValidityPeriod\": " + config.validitySeconds : "") + "}}";
        Path cfg = dir.resolve("pebble-config.json");
        Files.writeString(cfg, json);
        ProcessBuilder pb = new ProcessBuilder(pebble, "-config", cfg.toString(), "-dnsserver", "127.0.0.1:" + dnsPort);
        Map<String, String> env = pb.environment();
        env.put("PEBBLE_VA_NOSLEEP", "1");
        // No random nonce rejections or authorization reuse: every run takes the same steps.
        env.put("PEBBLE_WFE_NONCEREJECT", "0");
        env.put("PEBBLE_AUTHZREUSE", "0");
        server = start(pb, "pebble");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                get(directory());
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw new AssertionError("pebble did not answer at " + directory() + " within 60 s; its log:\n" + log, e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Stops pebble (the DNS stays), as an ACME server that went down. */
    public void stop() throws InterruptedException {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            server = null;
        }
    }

    public URI directory() {
        return URI.create("https://127.0.0.1:" + port + "/dir");
    }

    /** The CA of pebble's own HTTPS certificate (what {@code --acme-ca} names). */
    public HeldCertificate httpsCa() {
        return httpsCa;
    }

    public Path httpsCaFile() {
        return dir.resolve("pebble-https-ca.pem");
    }

    /** The root pebble issues under, from its management port. */
    public X509Certificate issuingRoot() throws Exception {
        List<X509Certificate> certs = CertificateLoader.certificates(
                get(URI.create("https://127.0.0.1:" + managementPort + "/roots/0")).getBytes(StandardCharsets.US_ASCII), "pebble root");
        return certs.get(0);
    }

    /** The intermediate pebble issues from, with its private key, from the management port (for a test OCSP responder). */
    public org.nettytls.cert.KeyMaterial intermediate() throws Exception {
        String base = "https://127.0.0.1:" + managementPort;
        return CertificateLoader.keyMaterial(get(URI.create(base + "/intermediates/0")).getBytes(StandardCharsets.US_ASCII),
                "pebble intermediate", get(URI.create(base + "/intermediate-keys/0")).getBytes(StandardCharsets.US_ASCII),
                "pebble intermediate key", null);
    }

    public String log() {
        return log.toString();
    }

    private String get(URI uri) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("ca", httpsCa.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            HttpClient c = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException(uri + ": HTTP " + r.statusCode());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private Process start(List<String> command, String name) throws IOException {
        return start(new ProcessBuilder(command), name);
    }

    private Process start(ProcessBuilder pb, String name) throws IOException {
        pb.redirectErrorStream(true);
        Process p = pb.start();
        Thread t = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    log.append(name).append(": ").append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        }, name + "-log");
        t.setDaemon(true);
        t.start();
        return p;
    }

    public static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        dns.destroy();
        if (!dns.waitFor(10, TimeUnit.SECONDS)) {
            dns.destroyForcibly();
        }
    }
}
