package org.nettytls.verify;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nettytls.error.TlsException;
import org.nettytls.cert.SubjectAltName;

/**
 * The rules by which a certificate's names are compared with the expected host name: IO::Socket::SSL's
 * {@code SSL_verifycn_scheme}. Each application protocol has its own RFC on this (summarised in
 * <a href="https://www.rfc-editor.org/rfc/rfc6125">RFC 6125</a>); {@link #named(String)} gives
 * the reference's predefined schemes under the same names, {@link #builder()} makes custom ones.
 *
 * <table>
 * <caption>Predefined schemes (IO::Socket::SSL 2.081)</caption>
 * <tr><th>names</th><th>wildcards in SAN</th><th>wildcards in CN</th><th>check CN</th><th>IP in CN</th></tr>
 * <tr><td>{@code default}</td><td>anywhere</td><td>anywhere</td><td>always</td><td>any</td></tr>
 * <tr><td>{@code rfc2818}, {@code rfc3920}, {@code xmpp}, {@code rfc4217}, {@code ftp}</td><td>anywhere</td><td>anywhere</td><td>when only</td><td>off</td></tr>
 * <tr><td>{@code www}, {@code http}</td><td>anywhere</td><td>anywhere</td><td>when only</td><td>IPv4</td></tr>
 * <tr><td>{@code rfc4513}, {@code ldap}</td><td>full label</td><td>off</td><td>always</td><td>off</td></tr>
 * <tr><td>{@code rfc2595}, {@code smtp}, {@code rfc4642}, {@code imap}, {@code pop3}, {@code acap},
 *     {@code rfc5539}, {@code nntp}, {@code rfc5538}, {@code netconf}, {@code rfc5425}, {@code syslog},
 *     {@code rfc5953}, {@code snmp}</td><td>full label</td><td>full label</td><td>always</td><td>off</td></tr>
 * <tr><td>{@code rfc5971}, {@code gist}</td><td>full label</td><td>full label</td><td>when only</td><td>off</td></tr>
 * <tr><td>{@code rfc5922}, {@code sip}</td><td>off</td><td>off</td><td>always</td><td>off</td></tr>
 * <tr><td>{@code none}</td><td colspan="4">no check at all</td></tr>
 * </table>
 *
 * <p><b>Please note:</b> {@code none} accepts any certificate for any name, and the
 * {@code default} scheme is the most permissive of the others (a superset of them); name the
 * scheme of your protocol where you can.
 *
 * <p>Instances are immutable and may be shared between threads.
 */
public final class HostnameScheme {
    /** When the subject's common name is compared ({@code check_cn}). */
    public enum CheckCn {
        /** Always, in addition to the subjectAltNames ({@code always}). */
        ALWAYS,
        /** Only when the certificate has no dNSName subjectAltName ({@code when_only}). */
        WHEN_ONLY,
        /** Never ({@code check_cn => 0}). */
        OFF
    }

    /** Where a {@code *} in a certificate name may stand ({@code wildcards_in_alt}, {@code wildcards_in_cn}). */
    public enum Wildcards {
        /**
         * Anywhere in the leftmost label, with a prefix and/or suffix ({@code www*}, {@code *baz},
         * {@code b*z}); the {@code *} matches at least one character within the label, and a
         * prefix before it never matches an IDNA ({@code xn--}) name ({@code anywhere}).
         */
        ANYWHERE,
        /** Only as the whole leftmost label, {@code *.example.com} ({@code full_label}, also spelt {@code leftmost}). */
        FULL_LABEL,
        /** Not at all: a {@code *} is compared literally and so never matches ({@code 0}). */
        OFF;

        /**
         * The reference's spelling: {@code anywhere}, {@code full_label}, {@code leftmost} (= full_label), {@code
         * 0}/{@code off}.
         *
         * @param name the reference's value of {@code wildcards_in_alt} or {@code wildcards_in_cn}
         * @return the rule
         */
        public static Wildcards fromReferenceName(String name) {
            switch (name.toLowerCase(Locale.ROOT)) {
                case "anywhere":
                    return ANYWHERE;
                case "full_label":
                case "leftmost":
                    return FULL_LABEL;
                case "0":
                case "":
                case "off":
                    return OFF;
                default:
                    throw new IllegalArgumentException("unknown wildcard rule '" + name
                            + "' (expected anywhere, full_label, leftmost or off)");
            }
        }
    }

    /** Whether an IP address is also looked for, as a string, in the common name ({@code ip_in_cn}). */
    public enum IpInCn {
        /** Only an IPv4 address ({@code 4}). */
        IPV4,
        /** Only an IPv6 address, written exactly as the caller wrote it ({@code 6}). */
        IPV6,
        /** Either ({@code 1}). */
        ANY,
        /** Never: IP addresses are only compared with iPAddress subjectAltNames ({@code 0}). */
        OFF
    }

    /**
     * A custom check that replaces the rules ({@code callback} in a scheme hash); its answer is
     * final. It gets the name (trailing dots removed), the subject's first common name
     * ({@code null} when there is none) and the certificate's subjectAltNames in order.
     */
    @FunctionalInterface
    public interface Callback {
        /**
         * Decides whether the certificate names {@code name}.
         *
         * @param name the expected name, trailing dots removed
         * @param commonName the subject's first common name, or {@code null}
         * @param subjectAltNames the certificate's subjectAltNames in order
         * @return whether the name matches; this answer is final
         */
        boolean verify(String name, String commonName, List<SubjectAltName> subjectAltNames);
    }

    private static final Map<String, HostnameScheme> NAMED = predefined();

    /**
     * {@code default}, used when no scheme is named: the common name is always checked, wildcards
     * anywhere, an IP address in the common name too. Please note: it is laxer than
     * {@link #HTTP}; name a protocol's scheme where there is one.
     */
    public static final HostnameScheme DEFAULT = NAMED.get("default");
    /** {@code none}: no hostname check at all. Pins or a verify callback must then say who the peer is. */
    public static final HostnameScheme NONE = NAMED.get("none");
    /** {@code http} (alias {@code www}, RFC 2818): the common name only without dNSNames, wildcards anywhere, IPv4 in the CN. */
    public static final HostnameScheme HTTP = NAMED.get("http");
    /** {@code smtp} (RFC 2595 rules, as for IMAP and POP3): the common name always, wildcards as a whole label. */
    public static final HostnameScheme SMTP = NAMED.get("smtp");
    /** {@code imap} (RFC 2595). */
    public static final HostnameScheme IMAP = NAMED.get("imap");
    /** {@code pop3} (RFC 2595). */
    public static final HostnameScheme POP3 = NAMED.get("pop3");
    /** {@code nntp} (RFC 4642). */
    public static final HostnameScheme NNTP = NAMED.get("nntp");
    /** {@code ldap} (RFC 4513): wildcards as a whole label in dNSNames only. */
    public static final HostnameScheme LDAP = NAMED.get("ldap");
    /** {@code ftp} (RFC 4217): the common name only without dNSNames. */
    public static final HostnameScheme FTP = NAMED.get("ftp");
    /** {@code xmpp} (RFC 3920). */
    public static final HostnameScheme XMPP = NAMED.get("xmpp");
    /** {@code sip} (RFC 5922): no wildcards at all. */
    public static final HostnameScheme SIP = NAMED.get("sip");
    /** {@code syslog} (RFC 5425). */
    public static final HostnameScheme SYSLOG = NAMED.get("syslog");
    /** {@code snmp} (RFC 5953). */
    public static final HostnameScheme SNMP = NAMED.get("snmp");
    /** {@code netconf} (RFC 5539). */
    public static final HostnameScheme NETCONF = NAMED.get("netconf");

    private final String name;
    private final CheckCn checkCn;
    private final Wildcards wildcardsInAlt;
    private final Wildcards wildcardsInCn;
    private final IpInCn ipInCn;
    private final Callback callback;
    private final boolean none;

    private HostnameScheme(String name, CheckCn checkCn, Wildcards wildcardsInAlt, Wildcards wildcardsInCn,
            IpInCn ipInCn, Callback callback, boolean none) {
        this.name = name;
        this.checkCn = checkCn;
        this.wildcardsInAlt = wildcardsInAlt;
        this.wildcardsInCn = wildcardsInCn;
        this.ipInCn = ipInCn;
        this.callback = callback;
        this.none = none;
    }

    private static Map<String, HostnameScheme> predefined() {
        Map<String, HostnameScheme> m = new LinkedHashMap<>();
        m.put("none", new HostnameScheme("none", CheckCn.OFF, Wildcards.OFF, Wildcards.OFF, IpInCn.OFF, null, true));
        define(m, CheckCn.ALWAYS, Wildcards.ANYWHERE, Wildcards.ANYWHERE, IpInCn.ANY, "default");
        define(m, CheckCn.WHEN_ONLY, Wildcards.ANYWHERE, Wildcards.ANYWHERE, IpInCn.OFF,
                "rfc2818", "rfc3920", "xmpp", "rfc4217", "ftp");
        define(m, CheckCn.WHEN_ONLY, Wildcards.ANYWHERE, Wildcards.ANYWHERE, IpInCn.IPV4, "www", "http");
        define(m, CheckCn.ALWAYS, Wildcards.FULL_LABEL, Wildcards.OFF, IpInCn.OFF, "rfc4513", "ldap");
        define(m, CheckCn.ALWAYS, Wildcards.FULL_LABEL, Wildcards.FULL_LABEL, IpInCn.OFF,
                "rfc2595", "smtp", "rfc4642", "imap", "pop3", "acap", "rfc5539", "nntp",
                "rfc5538", "netconf", "rfc5425", "syslog", "rfc5953", "snmp");
        define(m, CheckCn.WHEN_ONLY, Wildcards.FULL_LABEL, Wildcards.FULL_LABEL, IpInCn.OFF, "rfc5971", "gist");
        define(m, CheckCn.ALWAYS, Wildcards.OFF, Wildcards.OFF, IpInCn.OFF, "rfc5922", "sip");
        return Collections.unmodifiableMap(m);
    }

    private static void define(Map<String, HostnameScheme> m, CheckCn checkCn, Wildcards alt, Wildcards cn,
            IpInCn ip, String... names) {
        for (String n : names) {
            m.put(n, new HostnameScheme(n, checkCn, alt, cn, ip, null, false));
        }
    }

    /**
     * A predefined scheme by its IO::Socket::SSL name (case matters, as there), aliases and RFC
     * names included ({@code www}, {@code rfc2818}, {@code acap}, {@code gist}, ...); the common ones
     * are also constants ({@link #SMTP}, {@link #HTTP}, ...).
     *
     * @param name the scheme's name, e.g. {@code http}
     * @return the scheme
     * @throws TlsException {@code BAD_CONFIGURATION} naming {@code hostnameScheme} (and its
     *         reference name {@code SSL_verifycn_scheme}) and the
     *         known names, for any other name
     */
    public static HostnameScheme named(String name) throws TlsException {
        Objects.requireNonNull(name, "name");
        HostnameScheme s = NAMED.get(name);
        if (s == null) {
            throw TlsException.badConfiguration("hostnameScheme (SSL_verifycn_scheme)",
                    "unknown scheme '" + name + "' (known: " + String.join(", ", NAMED.keySet()) + ")");
        }
        return s;
    }

    /** {@return every name {@link #named(String)} knows, in the reference's order} */
    public static Set<String> knownNames() {
        return NAMED.keySet();
    }

    /** {@return a builder for a custom scheme; everything starts off, as an empty scheme hash in the reference} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return the scheme's name: the predefined name it was looked up by, or the builder's {@link
     * Builder#name(String)}}
     */
    public String name() {
        return name;
    }

    /**
     * When the subject's common name is consulted ({@code check_cn} in a scheme hash).
     *
     * @return the common-name rule
     */
    public CheckCn checkCn() {
        return checkCn;
    }

    /**
     * How wildcards in dNSName subjectAltNames match ({@code wildcards_in_alt}).
     *
     * @return the wildcard rule for subjectAltNames
     */
    public Wildcards wildcardsInAlt() {
        return wildcardsInAlt;
    }

    /**
     * How wildcards in the common name match ({@code wildcards_in_cn}).
     *
     * @return the wildcard rule for the common name
     */
    public Wildcards wildcardsInCn() {
        return wildcardsInCn;
    }

    /**
     * Whether an IP address may be matched against the common name ({@code ip_in_cn}).
     *
     * @return the IP-in-common-name rule
     */
    public IpInCn ipInCn() {
        return ipInCn;
    }

    /** {@return the custom check, or {@code null}} */
    public Callback callback() {
        return callback;
    }

    /** {@return {@code true} for the {@code none} scheme} */
    public boolean isNone() {
        return none;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof HostnameScheme)) {
            return false;
        }
        HostnameScheme s = (HostnameScheme) o;
        return name.equals(s.name) && checkCn == s.checkCn && wildcardsInAlt == s.wildcardsInAlt
                && wildcardsInCn == s.wildcardsInCn && ipInCn == s.ipInCn && callback == s.callback && none == s.none;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, checkCn, wildcardsInAlt, wildcardsInCn, ipInCn, none);
    }

    @Override
    public String toString() {
        if (none) {
            return "none";
        }
        if (NAMED.get(name) == this) {
            return name;
        }
        return name + "{check_cn=" + checkCn + ", wildcards_in_alt=" + wildcardsInAlt + ", wildcards_in_cn="
                + wildcardsInCn + ", ip_in_cn=" + ipInCn + (callback != null ? ", callback" : "") + "}";
    }

    /** Builds a custom scheme. Unset rules are off. */
    public static final class Builder {
        private String name = "custom";
        private CheckCn checkCn = CheckCn.OFF;
        private Wildcards wildcardsInAlt = Wildcards.OFF;
        private Wildcards wildcardsInCn = Wildcards.OFF;
        private IpInCn ipInCn = IpInCn.OFF;
        private Callback callback;

        private Builder() {
        }

        /**
         * A name for messages ({@code custom} unless set).
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets {@code check_cn}.
         *
         * @param checkCn when the common name is consulted
         * @return this builder
         */
        public Builder checkCn(CheckCn checkCn) {
            this.checkCn = Objects.requireNonNull(checkCn, "checkCn");
            return this;
        }

        /**
         * Sets {@code wildcards_in_alt}.
         *
         * @param wildcards how wildcards in subjectAltNames match
         * @return this builder
         */
        public Builder wildcardsInAlt(Wildcards wildcards) {
            this.wildcardsInAlt = Objects.requireNonNull(wildcards, "wildcards");
            return this;
        }

        /**
         * Sets {@code wildcards_in_cn}.
         *
         * @param wildcards how wildcards in the common name match
         * @return this builder
         */
        public Builder wildcardsInCn(Wildcards wildcards) {
            this.wildcardsInCn = Objects.requireNonNull(wildcards, "wildcards");
            return this;
        }

        /**
         * Sets {@code ip_in_cn}.
         *
         * @param ipInCn whether IP addresses match the common name
         * @return this builder
         */
        public Builder ipInCn(IpInCn ipInCn) {
            this.ipInCn = Objects.requireNonNull(ipInCn, "ipInCn");
            return this;
        }

        /**
         * A check that replaces all rules; its answer is final.
         *
         * <p><b>Please note:</b> the callback alone decides; the other rules of this builder and the
         * public suffix list are not applied.
         *
         * @param callback the check
         * @return this builder
         */
        public Builder callback(Callback callback) {
            this.callback = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /**
         * The scheme, immutable.
         *
         * @return the custom scheme
         */
        public HostnameScheme build() {
            return new HostnameScheme(name, checkCn, wildcardsInAlt, wildcardsInCn, ipInCn, callback, false);
        }
    }
}
