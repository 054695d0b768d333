package org.nettytls.compat;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsOptions;
import org.nettytls.TlsServerOptions;
import org.nettytls.VerifyMode;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.PasswordCallback;
import org.nettytls.error.TlsException;
import org.nettytls.sni.SniMapping;
import org.nettytls.trap.ErrorTrap;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PublicSuffix;
import org.nettytls.verify.VerifyCallback;

/**
 * IO::Socket::SSL's option map turned into netty-tls options, for configuration that comes from
 * Perl: the keys are the reference's ({@code SSL_verify_mode}, {@code SSL_verifycn_scheme},
 * {@code SSL_cert_file} ...), the values what Perl would pass, as Java values: strings and
 * numbers ({@code SSL_verify_mode => 1}), paths as strings or {@link Path}s, lists for Perl's
 * array references, and the Java types of the options where Perl passes code or objects
 * ({@link VerifyCallback}, {@link ErrorTrap}, {@link PasswordCallback}, {@link HostnameScheme}).
 *
 * <pre>{@code
 * TlsClientContext tls = TlsClientContext.create(IoSocketSsl.clientOptions(Map.of(
 *         "SSL_ca_file", "ca.pem", "SSL_verifycn_scheme", "smtp", "SSL_version", "SSLv23:!TLSv1:!TLSv1_1")).build());
 * SniMapping sni = IoSocketSsl.sniMapping(Map.of(
 *         "SSL_cert_file", Map.of("www.example.org", "www.pem", "www.example.org%ecc", "www-ec.pem", "", "other.pem"),
 *         "SSL_key_file", Map.of("www.example.org", "www.key", "www.example.org%ecc", "www-ec.key", "", "other.key")));
 * }</pre>
 *
 * <p>Each key maps to one builder method (docs/migrating-from-io-socket-ssl.md has the table, and a
 * test holds this class to it); the result is a builder, to go on from in Java. Unlike the
 * reference, <b>an unknown key fails</b> with {@code BAD_CONFIGURATION} naming it, rather than
 * being ignored: a misspelt {@code SSL_verifycn_shceme} must not silently leave the default
 * scheme in place. Values are checked as the builder checks them.
 */
public final class IoSocketSsl {
    /** Keys both roles take. */
    private static final Set<String> COMMON = Set.of(
            "SSL_verify_mode", "SSL_verifycn_scheme", "SSL_verifycn_name", "SSL_verifycn_publicsuffix",
            "SSL_version", "SSL_cipher_list", "SSL_ecdh_curve", "SSL_dh_file", "SSL_alpn_protocols",
            "SSL_npn_protocols", "SSL_ca_file", "SSL_ca_path", "SSL_ca", "SSL_cert_file", "SSL_key_file",
            "SSL_passwd_cb", "SSL_check_crl", "SSL_crl_file", "SSL_fingerprint", "SSL_force_fingerprint",
            "SSL_verify_callback", "SSL_error_trap", "SSL_keep");
    private static final Set<String> CLIENT = Set.of("SSL_hostname", "SSL_session_cache_size");
    private static final Set<String> SERVER = Set.of("SSL_client_ca_file", "SSL_session_id_context",
            "SSL_honor_cipher_order");

    private IoSocketSsl() {
    }

    /** {@return every key {@link #clientOptions} takes, sorted} */
    public static Set<String> clientKeys() {
        Set<String> keys = new TreeSet<>(COMMON);
        keys.addAll(CLIENT);
        return keys;
    }

    /** {@return every key {@link #serverOptions} and {@link #sniMapping} take, sorted} */
    public static Set<String> serverKeys() {
        Set<String> keys = new TreeSet<>(COMMON);
        keys.addAll(SERVER);
        return keys;
    }

    /**
     * The reference's verify mode bits: 0 {@code SSL_VERIFY_NONE}, 1 {@code SSL_VERIFY_PEER}, and
     * with 1 also 2 {@code SSL_VERIFY_FAIL_IF_NO_PEER_CERT} and 4 {@code SSL_VERIFY_CLIENT_ONCE}.
     *
     * @param bits {@code SSL_verify_mode} as a number
     * @return the mode
     * @throws TlsException {@code BAD_CONFIGURATION} for other bits, or 2 or 4 without 1
     */
    public static VerifyMode verifyMode(int bits) throws TlsException {
        if (bits == 0) {
            return VerifyMode.NONE;
        }
        if ((bits & ~0x07) != 0 || (bits & 0x01) == 0) {
            throw TlsException.badConfiguration("SSL_verify_mode", "0x" + Integer.toHexString(bits)
                    + " is not a verify mode (expected 0, or 1 combined with 2 and/or 4)");
        }
        return (bits & 0x02) != 0 ? VerifyMode.REQUIRE : (bits & 0x04) != 0 ? VerifyMode.CLIENT_ONCE : VerifyMode.PEER;
    }

    /**
     * A client's options from the reference's map; {@code TlsClientOptions.builder()}'s defaults for the rest.
     *
     * @param options {@code SSL_*} keys to values, as IO::Socket::SSL takes them
     * @return a builder holding them, to change further or build
     * @throws TlsException ({@code BAD_CONFIGURATION}, naming the {@code SSL_*} key) for an unknown,
     *     server-only or ill-typed option, or a file that cannot be loaded
     */
    public static TlsClientOptions.Builder clientOptions(Map<String, ?> options) throws TlsException {
        TlsClientOptions.Builder b = TlsClientOptions.builder();
        for (Map.Entry<String, ?> e : options.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            if (CLIENT.contains(key)) {
                if (key.equals("SSL_hostname")) {
                    b.serverName(string(key, v));
                } else {
                    b.sessionCacheSize(integer(key, v));
                }
            } else {
                common(b, key, v, options, clientKeys());
            }
        }
        if (options.containsKey("SSL_cert_file") || options.containsKey("SSL_key_file")) {
            b.certificateFile(path("SSL_cert_file", options.get("SSL_cert_file")), keyFile(options.get("SSL_key_file")));
        }
        return b;
    }

    /**
     * A server's options from the reference's map, for one certificate ({@code SSL_cert_file} a
     * path); its hash form (a certificate per server name) is {@link #sniMapping}.
     *
     * @param options {@code SSL_*} keys to values, as IO::Socket::SSL takes them
     * @return a builder holding them, to change further or build
     * @throws TlsException ({@code BAD_CONFIGURATION}, naming the {@code SSL_*} key) for an unknown,
     *     client-only or ill-typed option, or a file that cannot be loaded
     */
    public static TlsServerOptions.Builder serverOptions(Map<String, ?> options) throws TlsException {
        TlsServerOptions.Builder b = TlsServerOptions.builder();
        for (Map.Entry<String, ?> e : options.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            if (SERVER.contains(key)) {
                switch (key) {
                    case "SSL_client_ca_file":
                        b.clientCaFile(path(key, v));
                        break;
                    case "SSL_session_id_context":
                        b.sessionIdContext(string(key, v));
                        break;
                    default:
                        b.honorCipherOrder(bool(key, v));
                        break;
                }
            } else {
                common(b, key, v, options, serverKeys());
            }
        }
        Object cert = options.get("SSL_cert_file");
        if (cert instanceof Map) {
            throw TlsException.badConfiguration("SSL_cert_file", "is a hash (a certificate per server name): "
                    + "that is IoSocketSsl.sniMapping, not serverOptions");
        }
        if (cert != null || options.containsKey("SSL_key_file")) {
            b.certificateFile(path("SSL_cert_file", cert), keyFile(options.get("SSL_key_file")));
        }
        return b;
    }

    /**
     * A server's names from the reference's hash form: {@code SSL_cert_file} (and
     * {@code SSL_key_file}, with the same keys, when the keys are not in the certificate files)
     * maps each server name to its certificate, {@code 'name%ecc'} (any suffix after {@code %})
     * to a second certificate of another key type for that name, and {@code ''} to the default
     * for clients that send no name or one nothing matches. Every other key applies to every name.
     *
     * @param options {@code SSL_*} keys to values, {@code SSL_cert_file} a hash
     * @return the mapping
     * @throws TlsException ({@code BAD_CONFIGURATION}) when {@code SSL_cert_file} and {@code
     *     SSL_key_file} are not hashes with the same names, or an entry's context cannot be built
     */
    public static SniMapping sniMapping(Map<String, ?> options) throws TlsException {
        Object certs = options.get("SSL_cert_file");
        if (!(certs instanceof Map)) {
            throw TlsException.badConfiguration("SSL_cert_file", "expected a hash of server name to certificate file, found "
                    + (certs == null ? "none" : certs.getClass().getSimpleName()));
        }
        Object keys = options.get("SSL_key_file");
        if (keys != null && !(keys instanceof Map)) {
            throw TlsException.badConfiguration("SSL_key_file", "must be a hash with the keys of SSL_cert_file");
        }
        Map<String, Object> shared = new LinkedHashMap<>(options);
        shared.remove("SSL_cert_file");
        shared.remove("SSL_key_file");
        Map<String, TlsServerOptions.Builder> names = new LinkedHashMap<>();
        Map<?, ?> certMap = (Map<?, ?>) certs;
        Map<?, ?> keyMap = keys == null ? Map.of() : (Map<?, ?>) keys;
        for (Map.Entry<?, ?> e : certMap.entrySet()) {
            String name = String.valueOf(e.getKey());
            if (!name.contains("%")) {
                names.put(name, serverOptions(shared).certificateFile(path("SSL_cert_file{" + name + "}", e.getValue()),
                        keyFile(keyMap.get(name))));
            }
        }
        for (Map.Entry<?, ?> e : certMap.entrySet()) {
            String name = String.valueOf(e.getKey());
            if (name.contains("%")) {
                String base = name.substring(0, name.indexOf('%'));
                TlsServerOptions.Builder owner = names.get(base);
                if (owner == null) {
                    throw TlsException.badConfiguration("SSL_cert_file", "'" + name + "' gives an additional certificate but '"
                            + base + "' has no entry");
                }
                owner.addCertificate(CertificateLoader.keyMaterial(path("SSL_cert_file{" + name + "}", e.getValue()),
                        keyFile(keyMap.get(name)), null));
            }
        }
        SniMapping.Builder mapping = SniMapping.builder();
        for (Map.Entry<String, TlsServerOptions.Builder> n : names.entrySet()) {
            try {
                if (n.getKey().isEmpty()) {
                    mapping.addDefault(n.getValue().build());
                } else {
                    mapping.add(n.getKey(), n.getValue().build());
                }
            } catch (IllegalArgumentException ex) {
                throw TlsException.badConfiguration("SSL_cert_file", ex.getMessage());
            }
        }
        return mapping.build();
    }

    private static void common(TlsOptions.Builder<?> b, String key, Object v, Map<String, ?> all, Set<String> known)
            throws TlsException {
        switch (key) {
            case "SSL_verify_mode":
                b.verifyMode(v instanceof VerifyMode ? (VerifyMode) v : verifyMode(integer(key, v)));
                break;
            case "SSL_verifycn_scheme":
                if (v instanceof HostnameScheme) {
                    b.hostnameScheme((HostnameScheme) v);
                } else {
                    b.hostnameScheme(string(key, v));
                }
                break;
            case "SSL_verifycn_name":
                b.peerName(string(key, v));
                break;
            case "SSL_verifycn_publicsuffix":
                if (v instanceof PublicSuffix) {
                    b.publicSuffix((PublicSuffix) v);
                } else {
                    // The reference takes the list's text; '' turns the check off.
                    String rules = string(key, v);
                    b.publicSuffix(rules.isEmpty() ? PublicSuffix.none() : PublicSuffix.fromString(rules));
                }
                break;
            case "SSL_version":
                b.protocols(string(key, v));
                break;
            case "SSL_cipher_list":
                b.cipherList(string(key, v));
                break;
            case "SSL_ecdh_curve":
                b.keyExchangeGroups(string(key, v));
                break;
            case "SSL_dh_file":
                b.dhFile(path(key, v));
                break;
            case "SSL_alpn_protocols":
                b.alpnProtocols(strings(key, v).toArray(new String[0]));
                break;
            case "SSL_npn_protocols":
                b.npnProtocols(strings(key, v).toArray(new String[0]));
                break;
            case "SSL_ca_file":
                b.caFile(path(key, v));
                break;
            case "SSL_ca_path":
                b.caPath(path(key, v));
                break;
            case "SSL_ca":
                b.caCertificates(certificates(key, v));
                break;
            case "SSL_cert_file":
            case "SSL_key_file":
                // Taken together after the loop.
                break;
            case "SSL_passwd_cb":
                b.passwordCallback(typed(key, v, PasswordCallback.class));
                break;
            case "SSL_check_crl":
                b.checkCrl(bool(key, v));
                break;
            case "SSL_crl_file":
                b.crlFile(path(key, v));
                break;
            case "SSL_fingerprint":
                b.fingerprint(strings(key, v).toArray(new String[0]));
                break;
            case "SSL_force_fingerprint":
                b.forceFingerprint(bool(key, v));
                break;
            case "SSL_verify_callback":
                b.verifyCallback(typed(key, v, VerifyCallback.class));
                break;
            case "SSL_error_trap":
                b.errorTrap(typed(key, v, ErrorTrap.class));
                break;
            case "SSL_keep":
                b.keepSocketOnError(bool(key, v));
                break;
            default:
                throw TlsException.badConfiguration(key, "is not an option netty-tls takes here (known: "
                        + String.join(", ", known) + ")");
        }
    }

    private static Path keyFile(Object v) throws TlsException {
        return v == null ? null : path("SSL_key_file", v);
    }

    private static String string(String key, Object v) throws TlsException {
        if (v instanceof CharSequence || v instanceof Number) {
            return v.toString();
        }
        throw wrongType(key, "a string", v);
    }

    private static int integer(String key, Object v) throws TlsException {
        if (v instanceof Number) {
            return ((Number) v).intValue();
        }
        if (v instanceof CharSequence) {
            String s = v.toString().strip();
            try {
                return s.startsWith("0x") ? Integer.parseInt(s.substring(2), 16) : Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw wrongType(key, "a number", v);
            }
        }
        throw wrongType(key, "a number", v);
    }

    /** Perl's truth: 0, '' and '0' are false, and so is Java's {@code false}. */
    private static boolean bool(String key, Object v) throws TlsException {
        if (v instanceof Boolean) {
            return (Boolean) v;
        }
        if (v instanceof Number) {
            return ((Number) v).doubleValue() != 0;
        }
        if (v instanceof CharSequence) {
            String s = v.toString();
            return !s.isEmpty() && !s.equals("0");
        }
        throw wrongType(key, "a boolean (1 or 0)", v);
    }

    private static Path path(String key, Object v) throws TlsException {
        if (v instanceof Path) {
            return (Path) v;
        }
        if (v instanceof CharSequence && v.toString().length() > 0) {
            return Path.of(v.toString());
        }
        throw wrongType(key, "a file name", v);
    }

    private static List<String> strings(String key, Object v) throws TlsException {
        if (v instanceof Collection) {
            List<String> out = new ArrayList<>();
            for (Object o : (Collection<?>) v) {
                out.add(string(key, o));
            }
            return out;
        }
        if (v instanceof String[]) {
            return List.of((String[]) v);
        }
        return List.of(string(key, v));
    }

    private static X509Certificate[] certificates(String key, Object v) throws TlsException {
        if (v instanceof X509Certificate) {
            return new X509Certificate[] {(X509Certificate) v};
        }
        if (v instanceof Collection) {
            List<X509Certificate> out = new ArrayList<>();
            for (Object o : (Collection<?>) v) {
                out.add(typed(key, o, X509Certificate.class));
            }
            return out.toArray(new X509Certificate[0]);
        }
        throw wrongType(key, "certificates", v);
    }

    private static <T> T typed(String key, Object v, Class<T> type) throws TlsException {
        if (type.isInstance(v)) {
            return type.cast(v);
        }
        throw wrongType(key, "a " + type.getSimpleName(), v);
    }

    private static TlsException wrongType(String key, String expected, Object found) {
        return TlsException.badConfiguration(key, "expected " + expected + ", found "
                + (found == null ? "undef" : found.getClass().getSimpleName() + " '" + found + "'"));
    }
}
