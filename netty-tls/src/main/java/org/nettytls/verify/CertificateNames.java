package org.nettytls.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * The names in a certificate, read as the reference reads them through OpenSSL: the
 * <em>first</em> commonName of the subject, and the subjectAltNames in order. Both are read from
 * the certificate's own DER with Bouncy Castle, not through {@link X509Certificate}'s accessors,
 * which decode, validate and sometimes drop what the peer actually sent.
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

    /** Like OpenSSL, an unreadable or repeated extension counts as no subjectAltNames. */
    private static List<SubjectAltName> subjectAltNames(Certificate c) {
        Extensions extensions = c.getTBSCertificate().getExtensions();
        if (extensions == null) {
            return List.of();
        }
        GeneralNames names;
        try {
            Extension ext = extensions.getExtension(Extension.subjectAlternativeName);
            if (ext == null) {
                return List.of();
            }
            names = GeneralNames.getInstance(ext.getParsedValue());
        } catch (IllegalArgumentException | IllegalStateException e) {
            return List.of();
        }
        List<SubjectAltName> out = new ArrayList<>();
        for (GeneralName g : names.getNames()) {
            out.add(convert(g));
        }
        return Collections.unmodifiableList(out);
    }

    private static SubjectAltName convert(GeneralName g) {
        ASN1Encodable v = g.getName();
        switch (g.getTagNo()) {
            case GeneralName.dNSName:
            case GeneralName.rfc822Name:
            case GeneralName.uniformResourceIdentifier: {
                byte[] raw = contents(v);
                SubjectAltName.Type t = g.getTagNo() == GeneralName.dNSName ? SubjectAltName.Type.DNS
                        : g.getTagNo() == GeneralName.rfc822Name ? SubjectAltName.Type.EMAIL : SubjectAltName.Type.URI;
                return new SubjectAltName(t, latin1(raw), raw);
            }
            case GeneralName.iPAddress: {
                byte[] raw = ASN1OctetString.getInstance(v).getOctets();
                return new SubjectAltName(SubjectAltName.Type.IP, IpLiterals.format(raw), raw);
            }
            case GeneralName.directoryName:
                return new SubjectAltName(SubjectAltName.Type.DIRECTORY_NAME, X500Name.getInstance(v).toString(), new byte[0]);
            case GeneralName.registeredID:
                return new SubjectAltName(SubjectAltName.Type.REGISTERED_ID, v.toString(), new byte[0]);
            case GeneralName.otherName:
                return new SubjectAltName(SubjectAltName.Type.OTHER_NAME, "<unsupported>", new byte[0]);
            case GeneralName.x400Address:
                return new SubjectAltName(SubjectAltName.Type.X400_ADDRESS, "<unsupported>", new byte[0]);
            default:
                return new SubjectAltName(SubjectAltName.Type.EDI_PARTY_NAME, "<unsupported>", new byte[0]);
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
