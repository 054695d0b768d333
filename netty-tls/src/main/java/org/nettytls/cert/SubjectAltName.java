package org.nettytls.cert;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;

/**
 * One typed subjectAltName entry (RFC 5280 section 4.2.1.6), as certificates carry them and as
 * the connection info reports them. The reference's {@code peer_certificate('subjectAltNames')}
 * returns the same pairs as a flat list of type number and value.
 */
public final class SubjectAltName {
    /** The GeneralName types netty-tls reads and writes; the number is the ASN.1 tag. */
    public enum Type {
        EMAIL(1), DNS(2), URI(6), IP(7), OTHER(-1);

        private final int tag;

        Type(int tag) {
            this.tag = tag;
        }

        /** The GeneralName tag: 1 rfc822Name, 2 dNSName, 6 uniformResourceIdentifier, 7 iPAddress. */
        public int tag() {
            return tag;
        }

        static Type ofTag(int tag) {
            for (Type t : values()) {
                if (t.tag == tag) {
                    return t;
                }
            }
            return OTHER;
        }
    }

    private final Type type;
    private final String value;

    private SubjectAltName(Type type, String value) {
        this.type = Objects.requireNonNull(type, "type");
        this.value = Objects.requireNonNull(value, "value");
    }

    public static SubjectAltName dns(String name) {
        return new SubjectAltName(Type.DNS, name);
    }

    /** An iPAddress entry; {@code address} must be an IPv4 or IPv6 literal, never a host name. */
    public static SubjectAltName ip(String address) {
        return new SubjectAltName(Type.IP, canonicalIp(address));
    }

    public static SubjectAltName email(String address) {
        return new SubjectAltName(Type.EMAIL, address);
    }

    public static SubjectAltName uri(String uri) {
        return new SubjectAltName(Type.URI, uri);
    }

    /**
     * Parses the command line's {@code DNS:x}, {@code IP:y}, {@code EMAIL:z} and {@code URI:u}
     * form (type case-insensitive, split at the first colon, so {@code IP:fe80::1} works).
     */
    public static SubjectAltName parse(String spec) {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new IllegalArgumentException("subjectAltName '" + spec + "' is not TYPE:value (DNS:, IP:, EMAIL:, URI:)");
        }
        String kind = spec.substring(0, colon).toUpperCase(Locale.ROOT);
        String v = spec.substring(colon + 1);
        switch (kind) {
            case "DNS":
                return dns(v);
            case "IP":
                return ip(v);
            case "EMAIL":
            case "RFC822":
                return email(v);
            case "URI":
                return uri(v);
            default:
                throw new IllegalArgumentException("subjectAltName type '" + kind + "' in '" + spec
                        + "' is not one of DNS, IP, EMAIL, URI");
        }
    }

    static SubjectAltName of(Type type, String value) {
        return new SubjectAltName(type, value);
    }

    public Type type() {
        return type;
    }

    /** The value: a name, an address in its canonical text form, an e-mail address or a URI. */
    public String value() {
        return value;
    }

    private static String canonicalIp(String address) {
        String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        boolean v4 = a.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
        if (!v4 && a.indexOf(':') < 0) {
            throw new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address");
        }
        try {
            // Only literals reach here, so this never does a DNS lookup.
            return InetAddress.getByName(a).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubjectAltName && ((SubjectAltName) o).type == type && ((SubjectAltName) o).value.equals(value);
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + value.hashCode();
    }

    /** {@code DNS:example.org}, {@code IP:127.0.0.1}, ... */
    @Override
    public String toString() {
        return type + ":" + value;
    }
}
