package org.nettytls.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.KeyExchangeGroup;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerOptions;
import org.nettytls.TlsVersion;
import org.nettytls.VerifyMode;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.Pem;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.sni.SniMapping;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PublicSuffix;

/**
 * {@link IoSocketSsl} against the option table of docs/migrating-from-io-socket-ssl.md, so the
 * two cannot drift: the keys the table gives a map role are exactly the keys the entry point
 * takes in that role, every example value builds options, and every Java home the table names
 * exists. Then what the common keys mean, compared with the builder methods they stand for.
 */
class IoSocketSslTableTest {
    @TempDir
    static Path dir;
    static HeldCertificate ca;
    static HeldCertificate server;
    static HeldCertificate serverEc;
    static HeldCertificate other;

    /** One table row. */
    record Row(String key, String javaHome, Set<String> roles, String example) {
    }

    static List<Row> rows;

    @BeforeAll
    static void setUp() throws Exception {
        ca = HeldCertificate.builder().commonName("Compat CA").certificateAuthority(0).build();
        server = HeldCertificate.builder().commonName("www.example.org").dns("www.example.org").rsa(2048).signedBy(ca).build();
        serverEc = HeldCertificate.builder().commonName("www.example.org").dns("www.example.org").signedBy(ca).build();
        other = HeldCertificate.builder().commonName("other.example.org").dns("other.example.org").signedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem(), StandardCharsets.US_ASCII);
        Files.createDirectories(dir.resolve("cadir"));
        Files.writeString(dir.resolve("cadir").resolve("ca.pem"), ca.certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("cert.pem"), server.chainPem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("key.pem"), server.privateKeyPem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("ec.pem"), serverEc.chainPem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("ec.key"), serverEc.privateKeyPem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("other.pem"), other.chainPem() + other.privateKeyPem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("crl.pem"), Pem.encode("X509 CRL", ca.crl(Map.of(), Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(86_400)).getEncoded()), StandardCharsets.US_ASCII);
        rows = parse(Files.readAllLines(Path.of("..", "docs", "migrating-from-io-socket-ssl.md"), StandardCharsets.UTF_8));
    }

    static List<Row> parse(List<String> lines) {
        List<Row> out = new ArrayList<>();
        boolean inTable = false;
        for (String line : lines) {
            if (line.startsWith("| IO::Socket::SSL |")) {
                inTable = true;
                continue;
            }
            if (!inTable || line.startsWith("|---")) {
                continue;
            }
            if (!line.startsWith("|")) {
                if (!out.isEmpty()) {
                    break;
                }
                continue;
            }
            String[] cells = line.split("(?<!\\\\)\\|", -1);
            String key = cells[1].strip();
            String java = cells[2].strip().replace("`", "");
            String role = cells[3].strip();
            Set<String> roles = new TreeSet<>();
            if (!role.equals("—")) {
                for (String r : role.split(",")) {
                    roles.add(r.strip());
                }
            }
            String example = cells[4].strip().replace("`", "");
            out.add(new Row(key, java, roles, example));
        }
        assertTrue(out.size() > 20, "expected the option table, found " + out.size() + " rows");
        return out;
    }

    /** The Perl value of an example cell as the Java value a map would hold. */
    static Object value(String example) {
        Map<String, Object> objects = new HashMap<>();
        objects.put("ca", List.of(ca.certificate()));
        objects.put("passwd_cb", (org.nettytls.cert.PasswordCallback) source -> null);
        objects.put("verify_cb", (org.nettytls.verify.VerifyCallback) (ok, cert, depth, error) -> ok);
        objects.put("error_trap", (org.nettytls.trap.ErrorTrap) (channel, error) -> channel.close());
        if (objects.containsKey(example)) {
            return objects.get(example);
        }
        if (example.startsWith("[")) {
            List<String> list = new ArrayList<>();
            for (String s : example.substring(1, example.length() - 1).split(",")) {
                list.add((String) value(s.strip()));
            }
            return list;
        }
        if (example.startsWith("'")) {
            String s = example.substring(1, example.length() - 1);
            return s.endsWith(".pem") || s.equals("cadir") ? dir.resolve(s).toString() : s;
        }
        return Integer.valueOf(example);
    }

    /** Keys and their single values keyed by the table's first cell ({@code `SSL_x`}). */
    static String key(Row r) {
        return r.key().replace("`", "");
    }

    @Test
    void theTableAndTheEntryPointTakeTheSameKeys() {
        Set<String> client = new TreeSet<>();
        Set<String> server = new TreeSet<>();
        for (Row r : rows) {
            if (r.roles().contains("client")) {
                client.add(key(r));
            }
            if (r.roles().contains("server")) {
                server.add(key(r));
            }
        }
        assertEquals(IoSocketSsl.clientKeys(), client, "client keys: the table against IoSocketSsl.clientKeys()");
        assertEquals(IoSocketSsl.serverKeys(), server, "server keys: the table against IoSocketSsl.serverKeys()");
    }

    @Test
    void everyJavaHomeExists() throws Exception {
        for (Row r : rows) {
            String home = r.javaHome();
            int paren = home.indexOf('(');
            String owner = home.substring(0, home.lastIndexOf('.', paren));
            String method = home.substring(home.lastIndexOf('.', paren) + 1, paren);
            String params = home.substring(paren + 1, home.indexOf(')'));
            if (owner.startsWith("Ocsp")) {
                continue; // netty-tls-ocsp, not on this module's class path
            }
            Class<?> type = Class.forName("org.nettytls." + owner.replace(".Builder", "$Builder"));
            boolean found = false;
            for (Method m : type.getMethods()) {
                if (m.getName().equals(method) && params(m).equals(params)) {
                    found = true;
                }
            }
            assertTrue(found, r.key() + ": no " + home);
        }
    }

    private static String params(Method m) {
        List<String> names = new ArrayList<>();
        for (Class<?> p : m.getParameterTypes()) {
            names.add(p.getSimpleName().replace("[]", "[]"));
        }
        return String.join(", ", names);
    }

    @Test
    void everyExampleBuilds() throws Exception {
        for (Row r : rows) {
            if (r.example().isEmpty()) {
                continue;
            }
            Map<String, Object> map = new LinkedHashMap<>();
            map.put(key(r), value(r.example()));
            if (r.roles().contains("client")) {
                if (key(r).equals("SSL_cert_file")) {
                    map.put("SSL_key_file", dir.resolve("key.pem").toString());
                }
                if (key(r).equals("SSL_key_file")) {
                    map.put("SSL_cert_file", dir.resolve("cert.pem").toString());
                }
                assertNotNull(IoSocketSsl.clientOptions(map).build(), r.key());
            }
            if (r.roles().contains("server")) {
                map.putIfAbsent("SSL_cert_file", dir.resolve("cert.pem").toString());
                map.putIfAbsent("SSL_key_file", dir.resolve("key.pem").toString());
                // A server verifies clients only when told, and the checks need that.
                map.putIfAbsent("SSL_verify_mode", 1);
                map.putIfAbsent("SSL_ca_file", dir.resolve("ca.pem").toString());
                assertNotNull(IoSocketSsl.serverOptions(map).build(), r.key());
            }
        }
    }

    @Test
    void theMapMeansWhatTheBuilderMethodsMean() throws Exception {
        TlsClientOptions viaMap = IoSocketSsl.clientOptions(Map.of(
                "SSL_verify_mode", 0,
                "SSL_verifycn_scheme", "smtp",
                "SSL_verifycn_name", "mail.example.org",
                "SSL_verifycn_publicsuffix", "",
                "SSL_version", "TLSv1_3",
                "SSL_ecdh_curve", "prime256v1:X25519",
                "SSL_alpn_protocols", List.of("h2", "http/1.1"),
                "SSL_hostname", "sni.example.org",
                "SSL_ca_file", dir.resolve("ca.pem").toString())).build();
        assertEquals(VerifyMode.NONE, viaMap.verifyMode());
        assertEquals(HostnameScheme.SMTP, viaMap.hostnameScheme());
        assertEquals("mail.example.org", viaMap.peerName());
        assertEquals(PublicSuffix.none(), viaMap.publicSuffix());
        assertEquals(Set.of(TlsVersion.TLS_1_3), viaMap.protocols());
        assertEquals(List.of(KeyExchangeGroup.P_256, KeyExchangeGroup.X25519), viaMap.keyExchangeGroups());
        assertEquals(List.of("h2", "http/1.1"), viaMap.alpnProtocols());
        assertEquals("sni.example.org", viaMap.serverName());
    }

    @Test
    void verifyModeTakesTheReferenceBits() throws Exception {
        assertEquals(VerifyMode.NONE, IoSocketSsl.verifyMode(0));
        assertEquals(VerifyMode.PEER, IoSocketSsl.verifyMode(1));
        assertEquals(VerifyMode.REQUIRE, IoSocketSsl.verifyMode(3));
        assertEquals(VerifyMode.CLIENT_ONCE, IoSocketSsl.verifyMode(5));
        assertEquals(VerifyMode.REQUIRE, IoSocketSsl.verifyMode(7));
        for (int bad : new int[] {2, 4, 6, 8, -1}) {
            TlsException e = assertThrows(TlsException.class, () -> IoSocketSsl.verifyMode(bad));
            assertTrue(e.getMessage().contains("SSL_verify_mode"), e::getMessage);
        }
        assertEquals(VerifyMode.REQUIRE, IoSocketSsl.serverOptions(Map.of("SSL_verify_mode", "0x03",
                "SSL_ca_file", dir.resolve("ca.pem").toString(), "SSL_cert_file", dir.resolve("cert.pem").toString(),
                "SSL_key_file", dir.resolve("key.pem").toString())).build().verifyMode());
    }

    @Test
    void anUnknownOrMisspeltKeyFailsInsteadOfBeingIgnored() {
        TlsException e = assertThrows(TlsException.class, () -> IoSocketSsl.clientOptions(Map.of("SSL_verifycn_shceme", "http")));
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("SSL_verifycn_shceme"), e::getMessage);
        TlsException role = assertThrows(TlsException.class, () -> IoSocketSsl.clientOptions(Map.of("SSL_honor_cipher_order", 1)));
        assertTrue(role.getMessage().contains("SSL_honor_cipher_order"), role::getMessage);
        TlsException type = assertThrows(TlsException.class, () -> IoSocketSsl.clientOptions(Map.of("SSL_verify_mode", List.of(1))));
        assertTrue(type.getMessage().contains("expected a number"), type::getMessage);
    }

    @Test
    void theHashFormOfCertFileIsAnSniMapping() throws Exception {
        Map<String, Object> certs = new LinkedHashMap<>();
        certs.put("www.example.org", dir.resolve("cert.pem").toString());
        certs.put("www.example.org%ecc", dir.resolve("ec.pem").toString());
        certs.put("", dir.resolve("other.pem").toString());
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("www.example.org", dir.resolve("key.pem").toString());
        keys.put("www.example.org%ecc", dir.resolve("ec.key").toString());
        SniMapping mapping = IoSocketSsl.sniMapping(Map.of("SSL_cert_file", certs, "SSL_key_file", keys,
                "SSL_version", "SSLv23:!TLSv1:!TLSv1_1"));
        assertEquals(List.of("www.example.org"), mapping.names());
        TlsServerOptions www = mapping.context("www.example.org").options();
        assertEquals(server.certificate(), www.keyMaterial().leaf());
        assertEquals(1, www.additionalCertificates().size());
        assertEquals(serverEc.certificate(), www.additionalCertificates().get(0).leaf());
        assertEquals(Set.of(TlsVersion.TLS_1_2, TlsVersion.TLS_1_3), www.protocols(), "shared keys apply to every name");
        assertEquals(other.certificate(), mapping.defaultContext().options().keyMaterial().leaf());
        assertTrue(mapping.find("unknown.example.org").isDefault());
        assertNull(mapping.find("unknown.example.org").name());

        Map<String, Object> orphan = Map.of("x.example.org%ecc", dir.resolve("ec.pem").toString());
        TlsException e = assertThrows(TlsException.class, () -> IoSocketSsl.sniMapping(Map.of("SSL_cert_file", orphan,
                "SSL_key_file", Map.of("x.example.org%ecc", dir.resolve("ec.key").toString()))));
        assertTrue(e.getMessage().contains("'x.example.org' has no entry"), e::getMessage);
        TlsException notHash = assertThrows(TlsException.class, () -> IoSocketSsl.serverOptions(Map.of("SSL_cert_file", certs)));
        assertTrue(notHash.getMessage().contains("sniMapping"), notHash::getMessage);
        assertFalse(mapping.names().contains(""));
    }

}
