package org.nettytls.verify;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One subjectAltName entry of a certificate (<a href="https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6">RFC 5280
 * section 4.2.1.6</a>), as hostname verification sees it: its type, its value as text, and for
 * the string and address types the raw bytes the certificate carries.
 *
 * <p>{@link #toString()} writes it as OpenSSL does: {@code DNS:www.example.com},
 * {@code IP:192.0.2.1}, {@code IP:2001:db8:0:0:0:0:0:1}.
 */
public final class SubjectAltName {
    /** The GeneralName choices of RFC 5280, in tag order. */
    public enum Type {
        OTHER_NAME("othername"),
        EMAIL("email"),
        DNS("DNS"),
        X400_ADDRESS("X400Name"),
        DIRECTORY_NAME("DirName"),
        EDI_PARTY_NAME("EdiPartyName"),
        URI("URI"),
        IP("IP"),
        REGISTERED_ID("RID");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        /** The prefix OpenSSL prints, such as {@code DNS} or {@code IP}. */
        public String label() {
            return label;
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

    /** A {@code dNSName} entry. */
    public static SubjectAltName dns(String name) {
        Objects.requireNonNull(name, "name");
        return new SubjectAltName(Type.DNS, name, name.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** An {@code iPAddress} entry: 4 bytes (IPv4) or 16 bytes (IPv6), as in the certificate. */
    public static SubjectAltName ip(byte[] address) {
        Objects.requireNonNull(address, "address");
        return new SubjectAltName(Type.IP, IpLiterals.format(address), address.clone());
    }

    public Type type() {
        return type;
    }

    /**
     * The value as text: the name for {@code DNS}, {@code email} and {@code URI}, the address in
     * dotted or colon form for {@code IP}, an OpenSSL-like rendering for the others.
     */
    public String value() {
        return value;
    }

    /**
     * The bytes in the certificate: the address for {@code IP}, the IA5String contents for
     * {@code DNS}, {@code email} and {@code URI}; empty for the other types.
     */
    public byte[] rawValue() {
        return raw.clone();
    }

    byte[] rawValueShared() {
        return raw;
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
