package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.redis.RedisServer;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/**
 * Two {@code serve} instances with {@code --fleet} on one real redis-server and
 * {@code --metrics}: openssl's session from A resumes on B, and scraping {@code /metrics} with
 * the JDK's HTTP client after real handshakes, a plaintext client and a certificate reload shows
 * exact counts, the expiry gauges before and after, and the fleet's health; the connection log
 * comes out as JSON.
 */
class ServeFleetMetricsTest {
    @TempDir
    Path dir;

    @Test
    void twoInstancesShareSessionsAndScrapeExactCounts() throws Exception {
        String openssl = Interop.require("openssl");
        HeldCertificate ca = HeldCertificate.builder().commonName("Fleet CA").certificateAuthority(0).build();
        HeldCertificate.builder().dns("localhost").days(30).signedBy(ca).build().writeTo(dir.resolve("site"));
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        try (RedisServer redis = new RedisServer(null, null).start()) {
            String[] common = {"serve", "--listen", "127.0.0.1:0", "--echo", "--fleet", redis.uri(),
                "--metrics", "127.0.0.1:0", "--cert", "localhost=" + dir.resolve("site.pem") + "," + dir.resolve("site.key")};
            RunningCommand a = new RunningCommand(concat(common, "--log-format", "json", "--watch", "1", "--naccept", "3"));
            RunningCommand b = new RunningCommand(concat(common, "--naccept", "2"));
            assertTrue(a.out.toString().contains("fleet: redis://127.0.0.1:" + redis.port() + " (ticket keys shared)"), a.out::toString);

            Processes.Result first = sClient(openssl, a.port, "-sess_out");
            assertTrue(first.stdout.contains("New, TLS"), first::toString);
            Processes.Result second = sClient(openssl, b.port, "-sess_in");
            assertTrue(second.stdout.contains("Reused, TLS"), () -> "B resumed A's session:\n" + second);
            try (Socket plain = new Socket("127.0.0.1", a.port)) {
                OutputStream o = plain.getOutputStream();
                o.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                o.flush();
                plain.getInputStream().readAllBytes();
            }

            Map<String, Double> sa = awaitScrape(a, "tls_handshake_seconds_count", 2);
            assertEquals(1.0, sum(sa, "tls_handshake_seconds_count", "outcome=\"success\"", "tls_resumed=\"false\"",
                    "tls_role=\"server\""), sa::toString);
            assertEquals(1.0, sum(sa, "tls_handshake_seconds_count", "error_type=\"plaintext-on-tls-port\""), sa::toString);
            assertEquals(1.0, sum(sa, "tls_sni_selections_total", "tls_sni_name=\"localhost\"", "tls_sni_match=\"exact\""));
            assertEquals(1.0, sum(sa, "tls_fleet_store_available"), sa::toString);
            double before = sum(sa, "tls_certificate_expiry_seconds", "tls_sni_name=\"localhost\"", "tls_key_type=\"EC\"");
            assertTrue(Math.abs(before - 30 * 86_400) < 86_400, sa::toString);

            Map<String, Double> sb = awaitScrape(b, "tls_handshake_seconds_count", 1);
            assertEquals(1.0, sum(sb, "tls_handshake_seconds_count", "outcome=\"success\"", "tls_resumed=\"true\""), sb::toString);
            assertEquals(1.0, sum(sb, "tls_handshake_seconds_count"), sb::toString);

            // A renewed certificate: the watch reloads it, and the gauge follows.
            HeldCertificate.builder().dns("localhost").days(90).signedBy(ca).build().writeTo(dir.resolve("site"));
            a.awaitOutput(Duration.ofSeconds(20), "reloaded certificates");
            double after = sum(scrape(a), "tls_certificate_expiry_seconds", "tls_sni_name=\"localhost\"", "tls_key_type=\"EC\"");
            assertTrue(Math.abs(after - 90 * 86_400) < 86_400, "after the reload: " + after);
            assertNotEquals(before, after);

            JsonNode line = null;
            for (String l : a.out.toString().split("\\R")) {
                if (l.startsWith("{")) {
                    line = new ObjectMapper().readTree(l);
                    break;
                }
            }
            assertTrue(line != null, a.out::toString);
            assertEquals("localhost", line.get("server_name").asText());
            assertEquals("success", line.get("outcome").asText());
            assertEquals("EC", line.get("key_type").asText());

            // One more connection each ends both servers (--naccept), which must exit cleanly.
            new Socket("127.0.0.1", a.port).close();
            new Socket("127.0.0.1", b.port).close();
            a.finish();
            b.finish();
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** s_client keeps its input open until the echo came back: a TLS 1.3 ticket arrives after the handshake (see PEERS.md). */
    Processes.Result sClient(String openssl, int port, String sessionOption) {
        return Processes.run(dir, Await.EVENT, new byte[0], List.of("sh", "-c",
                "rm -f s_client.out s_client.status; (printf 'ping\\n'; until grep -qs '^ping' s_client.out || [ -e s_client.status ];"
                        + " do sleep 0.05; done) | { '" + openssl + "' s_client -connect 127.0.0.1:" + port
                        + " -servername localhost -CAfile ca.pem -verify_return_error " + sessionOption + " sess.pem"
                        + " >s_client.out; echo $? >s_client.status; }; cat s_client.out; exit $(cat s_client.status)"));
    }

    /** Scrapes until the handshakes counted under {@code meter} reach {@code atLeast}, then once more for the exact counts. */
    static Map<String, Double> awaitScrape(RunningCommand serve, String meter, double atLeast) throws Exception {
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        while (sum(scrape(serve), meter) < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(200);
        return scrape(serve);
    }

    /** {@code /metrics} read with the JDK's HTTP client and parsed: each sample line's name and labels, and its value. */
    static Map<String, Double> scrape(RunningCommand serve) throws Exception {
        Matcher at = Pattern.compile("metrics on (http://[^\\s]+/metrics)").matcher(serve.out.toString());
        assertTrue(at.find(), serve.out::toString);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(at.group(1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
        Map<String, Double> samples = new TreeMap<>();
        Pattern sample = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*\\})? (\\S+)$");
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = sample.matcher(line);
            assertTrue(m.matches(), "a Prometheus sample line: " + line);
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    /** The sum of the samples of {@code name} whose labels contain every one of {@code labels}. */
    static double sum(Map<String, Double> samples, String name, String... labels) {
        double total = 0;
        Map<String, Double> seen = new HashMap<>();
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String key = e.getKey();
            if (!(key.equals(name) || key.startsWith(name + "{"))) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= key.contains(l);
            }
            if (all) {
                total += e.getValue();
                seen.put(key, e.getValue());
            }
        }
        return total;
    }
}
