package org.nettytls.protocol.internal;

import io.netty.handler.ssl.OpenSsl;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * A cipher list in OpenSSL's syntax ({@code SSL_cipher_list}), expanded by the running engine
 * (BoringSSL) into the suites it names, in order.
 *
 * <p>The expansion asks BoringSSL itself, so what a string means here is what it means to the
 * engine that will negotiate. A string the engine rejects is refused, naming the first part that
 * it rejects on its own ({@code SSL_cipher_list: 'FOO' is not a cipher or rule BoringSSL knows}).
 *
 * <p><b>Please note:</b> the list governs TLS 1.2 and below. BoringSSL does not let TLS 1.3 suites
 * be chosen; it always offers {@code TLS_AES_128_GCM_SHA256}, {@code TLS_AES_256_GCM_SHA384} and
 * {@code TLS_CHACHA20_POLY1305_SHA256}, all of them forward-secret AEADs.
 */
public final class CipherList {
    /**
     * Forward-secret AEAD suites only, no anonymous or pre-shared-key suites: the secure default
     * (the reference starts from OpenSSL's {@code DEFAULT} and takes the weak ones out; starting
     * from the strong ones is the same idea without the leftovers such as CBC and RSA key exchange).
     */
    public static final String DEFAULT_SPEC = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!aPSK";

    /** The TLS 1.3 suites BoringSSL always offers when TLS 1.3 is on. */
    public static final List<String> TLS13_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    private static volatile CipherList defaultList;

    private final String spec;
    private final List<String> suites;

    private CipherList(String spec, List<String> suites) {
        this.spec = spec;
        this.suites = Collections.unmodifiableList(suites);
    }

    /** {@link #DEFAULT_SPEC}, expanded once. */
    public static CipherList defaults() {
        CipherList d = defaultList;
        if (d == null) {
            try {
                d = parse(DEFAULT_SPEC);
            } catch (TlsException e) {
                throw new IllegalStateException("the default cipher list does not expand on this engine", e);
            }
            defaultList = d;
        }
        return d;
    }

    /** Expands {@code spec} with BoringSSL; see the class comment for the errors. */
    public static CipherList parse(String spec) throws TlsException {
        if (spec == null || spec.isBlank()) {
            throw TlsException.badConfiguration("cipherList (SSL_cipher_list)", "empty cipher list");
        }
        // OpenSSL accepts spaces and commas as separators as well as colons.
        String normalized = String.join(":", spec.trim().split("[\\s,:]+"));
        // BoringSSL skips rules it does not know when they stand among others, so each rule is
        // checked alone first: a typo must not silently shrink the list.
        for (String part : normalized.split(":")) {
            checkRule(spec, part);
        }
        List<String> expanded = expand(normalized);
        if (expanded == null) {
            throw TlsException.badConfiguration("cipherList (SSL_cipher_list)", "BoringSSL rejects '" + spec + "'");
        }
        List<String> tls12 = new ArrayList<>();
        for (String s : expanded) {
            if (!s.startsWith("TLS_") && !s.startsWith("AEAD-")) {
                tls12.add(s);
            }
        }
        if (tls12.isEmpty()) {
            throw TlsException.badConfiguration("cipherList (SSL_cipher_list)", "'" + spec + "' selects no cipher suite");
        }
        return new CipherList(spec, tls12);
    }

    private static void checkRule(String spec, String part) throws TlsException {
        boolean negated = part.startsWith("!") || part.startsWith("-");
        String rule = part.replaceFirst("^[!+\\-]", "");
        if (rule.isEmpty() || rule.startsWith("@")) {
            return;
        }
        List<String> alone = expand(rule);
        if (alone != null && !alone.isEmpty()) {
            return;
        }
        // Excluding what OpenSSL knows but BoringSSL never offers (the reference's own default
        // says !EXP !MEDIUM !LOW !RC4 ...) excludes nothing, and is fine.
        if (negated && OPENSSL_ONLY_RULES.contains(rule.toUpperCase(Locale.ROOT))) {
            return;
        }
        throw TlsException.badConfiguration("cipherList (SSL_cipher_list)", "'" + part + "' in '" + spec
                + "' is not a cipher or rule BoringSSL knows");
    }

    /** OpenSSL cipher-string aliases for what BoringSSL does not implement at all. */
    private static final Set<String> OPENSSL_ONLY_RULES = Set.of(
            "EXP", "EXPORT", "LOW", "MEDIUM", "RC4", "DES", "IDEA", "SEED", "CAMELLIA", "ARIA", "SRP", "KSRP", "ASRP",
            "ENULL", "NULL", "ANULL", "ADH", "AECDH", "MD5", "DSS", "ADSS", "KDHE", "KEDH", "EDH", "DHE", "DH",
            "KRSAPSK", "RSAPSK", "DHEPSK", "KDHEPSK", "GOST89MAC", "GOST94", "AGOST", "KGOST", "SSLV2", "CCM", "CCM8",
            "AESCCM", "AESCCM8", "ARIAGCM", "SUITEB128", "SUITEB192", "SUITEB128ONLY", "COMPLEMENTOFALL",
            "COMPLEMENTOFDEFAULT", "3DES");

    /** Asks BoringSSL to expand a rule string; {@code null} when it refuses the string. */
    private static List<String> expand(String rules) throws TlsException {
        ensureEngine();
        long ctx = 0;
        long ssl = 0;
        try {
            ctx = SSLContext.make(SSL.SSL_PROTOCOL_ALL, SSL.SSL_MODE_SERVER);
            try {
                if (!SSLContext.setCipherSuite(ctx, rules, false)) {
                    return null;
                }
            } catch (Exception refused) {
                return null;
            }
            ssl = SSL.newSSL(ctx, true);
            String[] names = SSL.getCiphers(ssl);
            List<String> out = new ArrayList<>();
            if (names != null) {
                for (String n : names) {
                    if (n != null && !n.isEmpty()) {
                        out.add(n);
                    }
                }
            }
            return out;
        } catch (Exception e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "SSL_cipher_list: BoringSSL could not expand '"
                    + rules + "': " + e.getMessage(), e);
        } finally {
            SSL.clearError();
            if (ssl != 0) {
                SSL.freeSSL(ssl);
            }
            if (ctx != 0) {
                SSLContext.free(ctx);
            }
        }
    }

    public static void ensureEngine() throws TlsException {
        if (!OpenSsl.isAvailable()) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "BoringSSL (netty-tcnative-boringssl-static) is not "
                    + "available on this platform: " + OpenSsl.unavailabilityCause());
        }
    }

    /** The TLS 1.2-and-below suites, OpenSSL names, in the engine's order. */
    public List<String> suites() {
        return suites;
    }

    /** The string this list was expanded from. */
    public String spec() {
        return spec;
    }

    /** Whether the list contains the suite with this OpenSSL name (case-insensitive). */
    public boolean contains(String openSslName) {
        String n = openSslName.toUpperCase(Locale.ROOT);
        return suites.contains(n);
    }

    @Override
    public String toString() {
        return spec + " -> " + suites;
    }
}
