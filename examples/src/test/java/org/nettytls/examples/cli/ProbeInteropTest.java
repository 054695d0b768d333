package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;

/**
 * {@code probe} against {@code openssl s_server} and {@code gnutls-serv}, good and bad: each
 * verdict, {@code --enumerate} on a TLS 1.2-only server, must-staple without a staple, and every
 * {@code --json} output parsed by Jackson and checked against the schema table in docs/command-line.md.
 */
class ProbeInteropTest {
    @TempDir
    Path dir;

    private static HeldCertificate root;
    private static HeldCertificate otherRoot;
    private static Map<String, Field> schema;
    private Process server;

    /** One row of docs/command-line.md's schema table. */
    record Field(Set<String> types, String when) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        root = HeldCertificate.builder().commonName("Probe Interop Root").certificateAuthority(0).build();
        otherRoot = HeldCertificate.builder().commonName("Someone Else's Root").certificateAuthority(0).build();
        schema = readSchema(Path.of("..", "docs", "command-line.md"));
    }

    /** The rows of the table after "`probe --json` prints one object". */
    static Map<String, Field> readSchema(Path readme) throws IOException {
        String text = Files.readString(readme);
        int at = text.indexOf("`probe --json` prints one object");
        assertTrue(at >= 0, "docs/command-line.md documents probe --json");
        Map<String, Field> fields = new LinkedHashMap<>();
        Pattern row = Pattern.compile("^\\| `([^`]+)` \\| ([^|]+?) \\| ([^|]+?) \\|", Pattern.MULTILINE);
        Matcher m = row.matcher(text.substring(at, text.indexOf("\n## ", at)));
        while (m.find()) {
            fields.put(m.group(1), new Field(Set.of(m.group(2).split(" or ")), m.group(3)));
        }
        assertTrue(fields.size() > 30, "found the schema table: " + fields.keySet());
        return fields;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            server = null;
        }
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {String.valueOf(status), out.toString(), err.toString()};
    }

    /** Starts {@code peer} with {@code leaf}; {@code tls12Only} limits it to TLS 1.2. Returns the port. */
    private int start(String peer, HeldCertificate leaf, boolean tls12Only) throws Exception {
        stop();
        leaf.writeTo(dir.resolve("server"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        if (peer.equals("openssl")) {
            command.addAll(List.of(Interop.require("openssl"), "s_server", "-accept", "127.0.0.1:" + port, "-cert", "server.pem",
                    "-key", "server.key", "-quiet"));
            if (tls12Only) {
                command.add("-tls1_2");
            }
        } else {
            command.addAll(List.of(Interop.require("gnutls-serv"), "-p", String.valueOf(port), "--x509certfile", "server.pem",
                    "--x509keyfile", "server.key"));
            if (tls12Only) {
                command.addAll(List.of("--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2"));
            }
        }
        server = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(peer + ".log").toFile()).start();
        return ProbeAndDemoTest.awaitPort(server, port, dir.resolve(peer + ".log"));
    }

    private Path ca(HeldCertificate which) throws IOException {
        return Files.writeString(dir.resolve("ca-" + which.certificate().getSerialNumber() + ".pem"), which.certificatePem());
    }

    private static HeldCertificate leaf(String name) throws Exception {
        return HeldCertificate.builder().commonName(name).dns(name).rsa(2048).signedBy(root).build();
    }

    /** Runs probe with --json, parses the output and checks it against docs/command-line.md's table. */
    private JsonNode probeJson(int expectedStatus, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("probe"));
        all.addAll(List.of(args));
        all.add("--json");
        String[] r = run(all.toArray(new String[0]));
        assertEquals(String.valueOf(expectedStatus), r[0], String.join("\n", r));
        assertEquals("", r[2], "JSON mode writes nothing to stderr: " + r[2]);
        JsonNode json = new ObjectMapper().readTree(r[1]);
        checkAgainstSchema(json, all.contains("--enumerate"), all.contains("--reconnect"));
        return json;
    }

    /** Every field of {@code json} is documented with its type, and every field the table says must be there is. */
    static void checkAgainstSchema(JsonNode json, boolean enumerate, boolean reconnect) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        flatten("", json, found);
        for (Map.Entry<String, JsonNode> e : found.entrySet()) {
            Field f = schema.get(e.getKey());
            assertNotNull(f, "field '" + e.getKey() + "' is not in docs/command-line.md's schema table");
            String type = e.getValue().isTextual() ? "string" : e.getValue().isNumber() ? "number"
                    : e.getValue().isBoolean() ? "boolean" : e.getValue().isNull() ? "null"
                    : e.getValue().isArray() ? "array" : "object";
            assertTrue(f.types().contains(type), "field '" + e.getKey() + "' is " + type + ", docs/command-line.md says " + f.types());
        }
        boolean ok = json.path("ok").asBoolean(false);
        boolean verified = json.path("verification").path("verified").asBoolean(true);
        for (Map.Entry<String, Field> e : schema.entrySet()) {
            String path = e.getKey();
            String when = e.getValue().when();
            boolean required = !path.contains("[]") && (when.equals("always") || when.equals("success") && ok
                    || when.equals("failure") && !ok || when.equals("--enumerate") && ok && enumerate
                    || when.equals("--reconnect") && ok && reconnect || when.equals("not verified") && ok && !verified);
            if (required) {
                assertTrue(found.containsKey(path), "docs/command-line.md says '" + path + "' is there (" + when + "), output has "
                        + found.keySet());
            }
        }
        if (ok) {
            assertFalse(json.has("error"));
        }
    }

    private static void flatten(String prefix, JsonNode node, Map<String, JsonNode> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                out.put(path, e.getValue());
                flatten(path, e.getValue(), out);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                out.put(prefix + "[]", element);
                flatten(prefix + "[]", element, out);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "gnutls"})
    void goodServerVerifiesAndEnumeratesTls12And13(String peer) throws Exception {
        int port = start(peer, leaf("localhost"), false);
        JsonNode good = probeJson(0, "localhost:" + port, "--ca", ca(root).toString(), "--enumerate", "--reconnect", "1");
        assertTrue(good.get("ok").asBoolean());
        assertTrue(good.get("verification").get("verified").asBoolean(), good::toString);
        assertEquals("TLSv1_3", good.get("protocol").asText());
        assertEquals("X25519", good.get("group").asText(), "OpenSSL 3.0 and GnuTLS 3.7 pick X25519 from our offer");
        assertTrue(good.get("hostname").get("matched").asBoolean());
        assertEquals("DNS:localhost", good.get("hostname").get("matchedBy").asText());
        assertEquals("CN=Probe Interop Root", good.get("chain").get(0).get("issuer").asText());
        Map<String, Boolean> versions = versions(good);
        assertTrue(versions.get("TLSv1_2") && versions.get("TLSv1_3"), versions::toString);

        String[] text = run("probe", "localhost:" + port, "--ca", ca(root).toString(), "--enumerate");
        assertEquals("0", text[0], String.join("\n", text));
        assertTrue(text[1].contains("group:        X25519\n"), text[1]);
        assertTrue(text[1].contains("  TLSv1_3:    accepted (TLS_"), text[1]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "gnutls"})
    void tls12OnlyServerEnumeratesAsExactlyTls12(String peer) throws Exception {
        int port = start(peer, leaf("localhost"), true);
        JsonNode r = probeJson(0, "localhost:" + port, "--ca", ca(root).toString(), "--enumerate");
        assertEquals("TLSv1_2", r.get("protocol").asText());
        assertEquals(Map.of("TLSv1", false, "TLSv1_1", false, "TLSv1_2", true, "TLSv1_3", false), versions(r));
        for (JsonNode v : r.get("versions")) {
            if (!v.get("accepted").asBoolean()) {
                assertTrue(v.get("cipher").isNull() && !v.get("error").get("code").asText().isEmpty(), v::toString);
            }
        }
    }

    private static Map<String, Boolean> versions(JsonNode r) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (JsonNode v : r.get("versions")) {
            m.put(v.get("version").asText(), v.get("accepted").asBoolean());
        }
        assertEquals(List.copyOf(m.keySet()), Prober.VERSIONS, "one entry per version, oldest first");
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "gnutls"})
    void badServersGetTheRightVerdicts(String peer) throws Exception {
        String ca = ca(root).toString();
        int port = start(peer, leaf("wrong.example"), false);
        JsonNode wrongName = probeJson(1, "localhost:" + port, "--ca", ca);
        assertEquals("hostname-mismatch", wrongName.get("error").get("code").asText());
        assertTrue(wrongName.get("error").get("message").asText().contains("expected 'localhost'")
                && wrongName.get("error").get("message").asText().contains("DNS:wrong.example"), wrongName::toString);
        // --verify none connects and says what would have failed.
        JsonNode unverified = probeJson(0, "localhost:" + port, "--verify", "none");
        assertFalse(unverified.get("verification").get("verified").asBoolean());
        assertFalse(unverified.get("hostname").get("matched").asBoolean());

        port = start(peer, leaf("localhost"), false);
        JsonNode untrusted = probeJson(1, "localhost:" + port, "--ca", ca(otherRoot).toString());
        assertEquals("untrusted-chain", untrusted.get("error").get("code").asText());

        Instant now = Instant.now();
        port = start(peer, HeldCertificate.builder().commonName("localhost").dns("localhost").rsa(2048)
                .validity(now.minus(30, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS)).signedBy(root).build(), false);
        JsonNode expired = probeJson(1, "localhost:" + port, "--ca", ca);
        assertEquals("cert-expired", expired.get("error").get("code").asText());

        port = start(peer, HeldCertificate.builder().commonName("localhost").dns("localhost").rsa(2048).mustStaple(true)
                .signedBy(root).build(), false);
        JsonNode noStaple = probeJson(1, "localhost:" + port, "--ca", ca);
        assertEquals("staple-missing", noStaple.get("error").get("code").asText(),
                "a must-staple certificate without a staple fails even in the default try-staple mode");
        String[] text = run("probe", "localhost:" + port, "--ca", ca);
        assertEquals("1", text[0]);
        assertEquals(1, text[2].lines().count(), "one line: " + text[2]);
        assertTrue(text[2].startsWith("error: ") && text[2].strip().endsWith("[staple-missing]"), text[2]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "gnutls"})
    void crlResultsAreReported(String peer) throws Exception {
        HeldCertificate leaf = leaf("localhost");
        Instant now = Instant.now();
        Path crl = Files.writeString(dir.resolve("clean.crl"), org.nettytls.cert.Pem.encode("X509 CRL",
                root.crl(Map.of(), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS)).getEncoded()));
        int port = start(peer, leaf, false);
        JsonNode r = probeJson(0, "localhost:" + port, "--ca", ca(root).toString(), "--crl", crl.toString());
        assertTrue(r.get("crl").get("checked").asBoolean());
        assertEquals("not revoked", r.get("crl").get("certificates").get(0).get("status").asText(), r::toString);
        assertEquals("CN=localhost", r.get("crl").get("certificates").get(0).get("subject").asText());

        // A pin accepts a revoked certificate; the report still says it is revoked.
        Path revoking = Files.writeString(dir.resolve("revoking.crl"), org.nettytls.cert.Pem.encode("X509 CRL",
                root.crl(Map.of(leaf.certificate().getSerialNumber(), 1), now.minus(1, ChronoUnit.HOURS),
                        now.plus(1, ChronoUnit.DAYS)).getEncoded()));
        JsonNode pinned = probeJson(0, "localhost:" + port, "--ca", ca(root).toString(), "--crl", revoking.toString(),
                "--fingerprint", org.nettytls.cert.Fingerprint.of(leaf.certificate()));
        assertTrue(pinned.get("crl").get("certificates").get(0).get("status").asText().startsWith("revoked since"), pinned::toString);
        JsonNode refused = probeJson(1, "localhost:" + port, "--ca", ca(root).toString(), "--crl", revoking.toString());
        assertEquals("revoked", refused.get("error").get("code").asText());
    }
}
