package org.nettytls.cert;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * One subjectAltName entry of a certificate (<a href="https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6">RFC 5280
 * section 4.2.1.6</a>): its type, its value as text, and the raw bytes the certificate carries.
 * Certificates are written from these ({@link HeldCertificate}), read into them
 * ({@link CertificateFields#subjectAltNames}), and hostname verification compares their raw bytes.
 * The reference's {@code peer_certificate('subjectAltNames')} returns the same pairs as a flat
 * list of type number and value.
 *
 * <p>{@link #toString()} writes it with OpenSSL's labels: {@code DNS:www.example.com},
 * {@code IP:192.0.2.1}, {@code IP:2001:db8:0:0:0:0:0:1}, {@code email:a@example.com},
 * {@code URI:https://example.com/}, {@code DirName:/C=DE/CN=x}, {@code RID:1.2.3.4}.
 */
public final class SubjectAltName {
    /** The GeneralName choices of RFC 5280, in tag order. */
    public enum Type {
        /** otherName [0]. */
        OTHER_NAME("othername"),
        /** rfc822Name [1]: a mail address. */
        EMAIL("email"),
        /** dNSName [2]. */
        DNS("DNS"),
        /** x400Address [3]. */
        X400_ADDRESS("X400Name"),
        /** directoryName [4]: an X.500 name. */
        DIRECTORY_NAME("DirName"),
        /** ediPartyName [5]. */
        EDI_PARTY_NAME("EdiPartyName"),
        /** uniformResourceIdentifier [6]. */
        URI("URI"),
        /** iPAddress [7]: 4 or 16 bytes. */
        IP("IP"),
        /** registeredID [8]: an OID. */
        REGISTERED_ID("RID");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        /** {@return the prefix OpenSSL prints, such as {@code DNS} or {@code IP}} */
        public String label() {
            return label;
        }

        /** {@return the GeneralName tag: 1 rfc822Name, 2 dNSName, 6 uniformResourceIdentifier, 7 iPAddress, ..} */
        public int tag() {
            return ordinal();
        }
    }

    private final Type type;
    private final String value;
    private final byte[] raw;

    SubjectAltName(Type type, String value, byte[] raw) {
        this.type = type;
        this.value = value;
        this.raw = raw;
    }

    /**
     * A {@code dNSName} entry; its raw bytes are the name's characters, one byte each.
     *
     * @param name the DNS name, e.g. {@code *.example.org}
     * @return the entry
     */
    public static SubjectAltName dns(String name) {
        return ia5(Type.DNS, Objects.requireNonNull(name, "name"));
    }

    /**
     * An {@code iPAddress} entry; {@code address} must be an IPv4 or IPv6 literal, never a host name.
     *
     * @param address the address literal
     * @return the entry
     */
    public static SubjectAltName ip(String address) {
        Objects.requireNonNull(address, "address");
        String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        boolean v4 = a.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
        if (!v4 && a.indexOf(':') < 0) {
            throw new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address");
        }
        try {
            // Only literals reach here, so this never does a DNS lookup.
            return ip(InetAddress.getByName(a).getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address", e);
        }
    }

    /**
     * An {@code iPAddress} entry: 4 bytes (IPv4) or 16 bytes (IPv6), as in the certificate.
     *
     * @param address 4 or 16 bytes
     * @return the entry
     */
    public static SubjectAltName ip(byte[] address) {
        Objects.requireNonNull(address, "address");
        return new SubjectAltName(Type.IP, formatAddress(address), address.clone());
    }

    /**
     * An {@code rfc822Name} entry.
     *
     * @param address the mail address
     * @return the entry
     */
    public static SubjectAltName email(String address) {
        return ia5(Type.EMAIL, Objects.requireNonNull(address, "address"));
    }

    /**
     * A {@code uniformResourceIdentifier} entry.
     *
     * @param uri the URI
     * @return the entry
     */
    public static SubjectAltName uri(String uri) {
        return ia5(Type.URI, Objects.requireNonNull(uri, "uri"));
    }

    /**
     * Parses the command line's {@code DNS:x}, {@code IP:y}, {@code EMAIL:z} and {@code URI:u}
     * form (type case-insensitive, split at the first colon, so {@code IP:fe80::1} works).
     *
     * @param spec {@code TYPE:value}
     * @return the entry
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

    /** The entry of a string type as read from a certificate: one char per content byte, as the reference sees it. */
    static SubjectAltName ia5(Type type, byte[] contents) {
        return new SubjectAltName(type, new String(contents, StandardCharsets.ISO_8859_1), contents);
    }

    private static SubjectAltName ia5(Type type, String text) {
        return new SubjectAltName(type, text, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * The name's type (the GeneralName choice of RFC 5280 section 4.2.1.6).
     *
     * @return the type
     */
    public Type type() {
        return type;
    }

    /**
     * {@return the value as text: the name for {@code DNS}, {@code email} and {@code URI}; the address for {@code
     * IP}, dotted or as eight colon-separated hex groups ({@code 0:0:0:0:0:0:0:1}, as {@code openssl x509 -text}
     * prints it; the reference compresses to {@code ::1}), or in hex when it is neither 4 nor 16 bytes; OpenSSL's
     * one-line form for {@code DirName}; the dotted OID for {@code RID}; {@code <unsupported>}, as OpenSSL prints it,
     * for the others}
     */
    public String value() {
        return value;
    }

    /**
     * {@return the bytes in the certificate: the address for {@code IP}, the IA5String contents for {@code DNS},
     * {@code email} and {@code URI}, the DER encoding of the name for the others} A copy.
     */
    public byte[] rawValue() {
        return raw.clone();
    }

    /** The usual text form of an address: dotted quad, eight colon-separated hex groups, else hex. */
    private static String formatAddress(byte[] ip) {
        StringBuilder b = new StringBuilder();
        if (ip.length == 4) {
            for (int i = 0; i < 4; i++) {
                b.append(i == 0 ? "" : ".").append(ip[i] & 0xff);
            }
        } else if (ip.length == 16) {
            for (int i = 0; i < 16; i += 2) {
                b.append(i == 0 ? "" : ":").append(Integer.toHexString(((ip[i] & 0xff) << 8) | (ip[i + 1] & 0xff)));
            }
        } else {
            for (byte x : ip) {
                b.append(String.format("%02x", x & 0xff));
            }
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SubjectAltName)) {
            return false;
        }
        SubjectAltName other = (SubjectAltName) o;
        return type == other.type && value.equals(other.value) && Arrays.equals(raw, other.raw);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, value, Arrays.hashCode(raw));
    }

    @Override
    public String toString() {
        return type.label() + ":" + value;
    }
}
