package org.nettytls.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Certificate;
import org.nettytls.cert.CertificateFields;
import org.nettytls.cert.SubjectAltName;

/**
 * The names in a certificate, read as the reference reads them through OpenSSL: the
 * <em>first</em> commonName of the subject, and the subjectAltNames in order
 * ({@link CertificateFields#subjectAltNames}). Both are read from the certificate's own DER with
 * Bouncy Castle, in one parse, not through {@link X509Certificate}'s accessors, which decode,
 * validate, re-encode (sorting a multi-valued RDN) and sometimes drop what the peer actually
 * sent. The CN is read here rather than with
 * {@link CertificateFields#commonName}, which decodes it and so loses the bytes compared below.
 *
 * <p>For comparisons the reference works on the raw bytes of a name, so {@link #commonNameBytes}
 * and the DNS entries keep them (one char per byte); a BMPString or UTF-8 common name therefore
 * never equals an ASCII host name, as there.
 */
final class CertificateNames {
    /** The first CN as one char per content byte, or {@code null}. */
    final String commonNameBytes;
    /** The first CN decoded for people, or {@code null}. */
    final String commonName;
    final List<SubjectAltName> subjectAltNames;

    private CertificateNames(String commonNameBytes, String commonName, List<SubjectAltName> subjectAltNames) {
        this.commonNameBytes = commonNameBytes;
        this.commonName = commonName;
        this.subjectAltNames = subjectAltNames;
    }

    static CertificateNames of(X509Certificate cert) {
        Certificate c;
        try {
            c = Certificate.getInstance(cert.getEncoded());
        } catch (CertificateEncodingException | IllegalArgumentException e) {
            return new CertificateNames(null, null, List.of());
        }
        String cnBytes = null;
        String cn = null;
        AttributeTypeAndValue first = firstCommonName(c.getSubject());
        if (first != null) {
            cnBytes = latin1(contents(first.getValue()));
            cn = first.getValue() instanceof ASN1String ? ((ASN1String) first.getValue()).getString() : cnBytes;
        }
        // From the same parse: parsing the certificate a second time for them doubled the cost.
        return new CertificateNames(cnBytes, cn, subjectAltNames(c));
    }

    private static AttributeTypeAndValue firstCommonName(X500Name subject) {
        for (RDN rdn : subject.getRDNs()) {
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                if (BCStyle.CN.equals(atv.getType())) {
                    return atv;
                }
            }
        }
        return null;
    }

    /**
     * Like OpenSSL, an unreadable or repeated extension counts as no subjectAltNames (a repeated
     * one, or one Bouncy Castle cannot read, already failed the whole parse above).
     */
    private static List<SubjectAltName> subjectAltNames(Certificate c) {
        try {
            return CertificateFields.subjectAltNames(c.getTBSCertificate().getExtensions());
        } catch (IllegalArgumentException | IllegalStateException e) {
            return List.of();
        }
    }

    /** The content octets of a primitive string (tag and length removed). */
    private static byte[] contents(ASN1Encodable value) {
        try {
            byte[] der = value.toASN1Primitive().getEncoded(ASN1Encoding.DER);
            int pos = 1;
            int len = der[pos++] & 0xff;
            if (len > 0x7f) {
                pos += len & 0x7f;
            }
            return Arrays.copyOfRange(der, pos, der.length);
        } catch (IOException | RuntimeException e) {
            return value.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
