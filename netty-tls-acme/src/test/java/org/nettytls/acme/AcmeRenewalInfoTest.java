package org.nettytls.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.Pem;

/**
 * ACME Renewal Information (RFC 9773) against a small stand-in ACME server written here, because
 * pebble 2.4.0 predates ARI: a directory with {@code renewalInfo}, nonces, an account endpoint,
 * the renewal window for the certificate's ID, and an order endpoint that records the order (its
 * {@code replaces} field) and refuses it. A certificate already in the state directory is planned
 * inside the window the server suggests, not at two thirds of its lifetime; a window that has
 * begun renews at once, naming the certificate it replaces.
 */
class AcmeRenewalInfoTest {
    @TempDir
    Path tmp;

    private HttpsServer server;
    private HeldCertificate ca;
    private volatile Instant windowStart;
    private volatile Instant windowEnd;
    private final List<String> ariRequests = new CopyOnWriteArrayList<>();
    private final List<JsonNode> orders = new CopyOnWriteArrayList<>();

    @BeforeEach
    void standIn() throws Exception {
        ca = HeldCertificate.builder().commonName("ARI Stand-in CA").certificateAuthority(0).build();
        HeldCertificate https = HeldCertificate.builder().commonName("stand-in").ip("127.0.0.1").signedBy(ca).build();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", https.privateKey(), new char[0], https.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        String base = "https://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/dir", x -> json(x, 200, "{\"newNonce\": \"" + base + "/nonce\", \"newAccount\": \"" + base
                + "/account\", \"newOrder\": \"" + base + "/order\", \"revokeCert\": \"" + base + "/revoke\", \"keyChange\": \""
                + base + "/key\", \"renewalInfo\": \"" + base + "/ari\"}"));
        server.createContext("/nonce", x -> {
            nonce(x);
            x.sendResponseHeaders(x.getRequestMethod().equals("HEAD") ? 200 : 204, -1);
            x.close();
        });
        server.createContext("/account", x -> {
            x.getResponseHeaders().set("Location", base + "/account/1");
            json(x, 200, "{\"status\": \"valid\", \"contact\": [], \"orders\": \"" + base + "/account/1/orders\"}");
        });
        server.createContext("/ari/", x -> {
            ariRequests.add(x.getRequestURI().getPath().substring("/ari/".length()));
            x.getResponseHeaders().set("Retry-After", "86400");
            json(x, 200, "{\"suggestedWindow\": {\"start\": \"" + windowStart + "\", \"end\": \"" + windowEnd + "\"}}");
        });
        server.createContext("/order", x -> {
            JsonNode jws = new ObjectMapper().readTree(x.getRequestBody());
            orders.add(new ObjectMapper().readTree(Base64.getUrlDecoder().decode(jws.get("payload").asText())));
            x.getResponseHeaders().set("Content-Type", "application/problem+json");
            nonce(x);
            byte[] body = ("{\"type\": \"urn:ietf:params:acme:error:unauthorized\", \"detail\": \"the stand-in issues nothing\"}")
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(403, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static int counter;

    private static void nonce(HttpExchange x) {
        x.getResponseHeaders().set("Replay-Nonce", "bm9uY2U" + (counter++));
        x.getResponseHeaders().set("Cache-Control", "no-store");
    }

    private static void json(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        nonce(x);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    /** A 90-day certificate for {@code name} already in the state directory, as a previous run left it. */
    private HeldCertificate existing(Path state, String name) throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName(name).dns(name)
                .validity(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(89)))
                .serialNumber(new BigInteger("1234567890abcdef", 16)).signedBy(ca).build();
        Files.createDirectories(state.resolve(name));
        Files.writeString(state.resolve(name).resolve("ecdsa.pem"), leaf.chainPem() + Pem.privateKey(leaf.privateKey()));
        return leaf;
    }

    private AcmeCertificates acme(Path state, String name) throws Exception {
        return AcmeCertificates.create(AcmeOptions.builder(URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/dir"))
                .stateDirectory(state).domain(name).retry(Duration.ofSeconds(30), Duration.ofMinutes(1))
                .acmeServerTrust(TlsClientOptions.builder().caCertificates(ca.certificate()).build()).build());
    }

    @Test
    void theRenewalIsPlannedInsideTheSuggestedWindow() throws Exception {
        Path state = tmp.resolve("state");
        existing(state, "ari.acme.test");
        windowStart = Instant.now().plus(Duration.ofHours(10)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        windowEnd = windowStart.plus(Duration.ofHours(2));
        try (AcmeServer srv = new AcmeServer(acme(state, "ari.acme.test"))) {
            srv.start();
            AcmeEvent loaded = srv.await(AcmeEvent.Kind.LOADED, "ari.acme.test", 20);
            assertEquals("1234567890abcdef", loaded.certificate().getSerialNumber().toString(16));
            AcmeEvent planned = srv.await(AcmeEvent.Kind.SCHEDULED, "ari.acme.test", 20);
            assertFalse(planned.when().isBefore(windowStart) || planned.when().isAfter(windowEnd),
                    planned.when() + " outside " + windowStart + " to " + windowEnd);
            assertTrue(planned.message().contains("renewal window " + windowStart + " to " + windowEnd), planned.message());
            // RFC 9773 section 4.1: the certificate's ID is base64url(AKI keyIdentifier) "." base64url(serial).
            assertEquals(1, ariRequests.size(), ariRequests.toString());
            String[] id = ariRequests.get(0).split("\\.");
            assertEquals(2, id.length, ariRequests.get(0));
            assertEquals(new BigInteger("1234567890abcdef", 16), new BigInteger(Base64.getUrlDecoder().decode(id[1])));
            // Two thirds of 90 days would be in two months: the window, not the lifetime, decided.
            assertTrue(planned.when().isBefore(Instant.now().plus(Duration.ofDays(1))));
            assertTrue(orders.isEmpty(), "nothing ordered before the window");
        }
    }

    @Test
    void aWindowThatHasBegunRenewsNowAndNamesTheCertificateItReplaces() throws Exception {
        Path state = tmp.resolve("state");
        existing(state, "due.acme.test");
        windowStart = Instant.now().minus(Duration.ofHours(2));
        windowEnd = Instant.now().minus(Duration.ofHours(1));
        try (AcmeServer srv = new AcmeServer(acme(state, "due.acme.test"))) {
            srv.start();
            AcmeEvent failed = srv.await(AcmeEvent::isFailure, 20, "the stand-in's refusal");
            assertEquals(TlsErrorCode.ACME_REFUSED, failed.code());
            assertTrue(failed.message().contains("the stand-in issues nothing") && failed.message().contains("stays in service"),
                    failed.message());
            assertEquals(1, orders.size());
            assertEquals(ariRequests.get(0), orders.get(0).path("replaces").asText(), orders.get(0).toString());
        }
    }
}
