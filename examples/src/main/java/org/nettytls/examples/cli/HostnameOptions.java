package org.nettytls.examples.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.nettytls.error.TlsException;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PublicSuffix;

/**
 * The spellings {@code verify-hostname} and {@code probe} share for {@code --scheme} and
 * {@code --public-suffix}: the reference's scheme names, or a custom scheme written as the
 * conformance vectors write it, {@code custom:check_cn=..,wildcards_in_alt=..,wildcards_in_cn=..,ip_in_cn=..}.
 */
final class HostnameOptions {
    static final String CUSTOM = "custom:";

    private HostnameOptions() {
    }

    /**
     * A predefined scheme by name, or a custom one. Keys left out of a custom scheme are off, as
     * in a scheme hash given to the reference.
     *
     * @throws TlsException BAD_CONFIGURATION naming the unknown scheme, key or value
     */
    static HostnameScheme scheme(String spec) throws TlsException {
        if (!spec.startsWith(CUSTOM)) {
            return HostnameScheme.named(spec);
        }
        HostnameScheme.Builder b = HostnameScheme.builder().name(spec);
        String body = spec.substring(CUSTOM.length());
        if (body.isEmpty()) {
            return b.build();
        }
        for (String pair : body.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw bad(spec, "'" + pair + "' is not key=value");
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1).toLowerCase(Locale.ROOT);
            switch (key) {
                case "check_cn":
                    b.checkCn(checkCn(spec, value));
                    break;
                case "wildcards_in_alt":
                    b.wildcardsInAlt(wildcards(spec, key, value));
                    break;
                case "wildcards_in_cn":
                    b.wildcardsInCn(wildcards(spec, key, value));
                    break;
                case "ip_in_cn":
                    b.ipInCn(ipInCn(spec, value));
                    break;
                default:
                    throw bad(spec, "unknown key '" + key + "' (known: check_cn, wildcards_in_alt, wildcards_in_cn, ip_in_cn)");
            }
        }
        return b.build();
    }

    /** {@code null}: the built-in list; {@code none}: no public-suffix check; anything else: a list file. */
    static PublicSuffix suffixes(String spec) throws TlsException {
        if (spec == null) {
            return PublicSuffix.builtIn();
        }
        if (spec.equals("none")) {
            return PublicSuffix.none();
        }
        return PublicSuffix.fromFile(Path.of(spec));
    }

    /** Which list is in use, for reports: {@code built-in 2025-...}, {@code none}, or the file and its version. */
    static String describe(String spec, PublicSuffix list) {
        if (list.isNone()) {
            return "none (wildcards are not checked against public suffixes)";
        }
        String version = list.version().orElse("unversioned");
        return spec == null ? "built-in " + version : spec + " " + version;
    }

    private static HostnameScheme.CheckCn checkCn(String spec, String value) throws TlsException {
        switch (value) {
            case "always":
                return HostnameScheme.CheckCn.ALWAYS;
            case "when_only":
                return HostnameScheme.CheckCn.WHEN_ONLY;
            case "0":
            case "off":
                return HostnameScheme.CheckCn.OFF;
            default:
                throw bad(spec, "check_cn '" + value + "' is not always, when_only or 0");
        }
    }

    private static HostnameScheme.Wildcards wildcards(String spec, String key, String value) throws TlsException {
        try {
            return HostnameScheme.Wildcards.fromReferenceName(value);
        } catch (IllegalArgumentException e) {
            throw bad(spec, key + ": " + e.getMessage());
        }
    }

    private static HostnameScheme.IpInCn ipInCn(String spec, String value) throws TlsException {
        switch (value) {
            case "4":
                return HostnameScheme.IpInCn.IPV4;
            case "6":
                return HostnameScheme.IpInCn.IPV6;
            case "1":
            case "any":
                return HostnameScheme.IpInCn.ANY;
            case "0":
            case "off":
                return HostnameScheme.IpInCn.OFF;
            default:
                throw bad(spec, "ip_in_cn '" + value + "' is not 4, 6, 1 or 0");
        }
    }

    private static TlsException bad(String spec, String why) {
        return TlsException.badConfiguration("SSL_verifycn_scheme", "custom scheme '" + spec + "': " + why);
    }
}
