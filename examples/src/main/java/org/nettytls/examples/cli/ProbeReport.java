package org.nettytls.examples.cli;

import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nettytls.error.TlsException;
import org.nettytls.cert.Fingerprint;
import org.nettytls.examples.HostPort;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.HostnameVerification;
import org.nettytls.verify.PeerVerdict;
import org.nettytls.verify.PublicSuffix;
import org.nettytls.verify.ValidationProfile;

/**
 * What {@code probe} found, filled in as the probe goes and printed as text or as JSON. The JSON
 * fields, in this order, are the schema in docs/command-line.md's table ("probe --json"): a test checks real
 * output against it. A failure keeps what was found before it and adds {@code error}.
 */
final class ProbeReport {
    /** Insertion order is output order; {@code ok} keeps its place when a later step fails. */
    private final Map<String, Object> report = new LinkedHashMap<>();

    ProbeReport(HostPort target, ValidationProfile profile) {
        report.put("target", target.toString());
        report.put("profile", profile.name().toLowerCase(Locale.ROOT));
    }

    /** The connection succeeded: what the handshake found, and the chain the server sent. */
    void connected(TlsConnectionInfo info) throws TlsException {
        report.put("ok", true);
        report.put("serverName", info.serverName());
        report.put("protocol", info.tlsVersion().referenceName());
        report.put("protocolNumber", info.tlsVersion().wireVersion());
        report.put("cipher", info.cipher());
        report.put("group", info.keyExchangeGroup());
        report.put("alpn", info.alpn());
        report.put("sessionReused", info.sessionReused().orElse(null));
        report.put("certificateCompression", info.peerCertificateCompression().orElse(null));
        Map<String, Object> verification = new LinkedHashMap<>();
        PeerVerdict verdict = info.verification().orElse(null);
        verification.put("verified", verdict != null && verdict.isVerified());
        if (verdict != null && !verdict.isVerified()) {
            verification.put("code", verdict.failure().code().id());
            verification.put("message", verdict.failure().getMessage());
        }
        report.put("verification", verification);
        List<Object> chain = new ArrayList<>();
        List<X509Certificate> certs = info.peerCertificates();
        for (int i = 0; i < certs.size(); i++) {
            X509Certificate c = certs.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("depth", i);
            m.put("subject", c.getSubjectX500Principal().getName());
            m.put("issuer", c.getIssuerX500Principal().getName());
            m.put("notBefore", c.getNotBefore().toInstant().toString());
            m.put("notAfter", c.getNotAfter().toInstant().toString());
            m.put("key", keyType(c.getPublicKey()));
            m.put("sha256", Fingerprint.of(c));
            chain.add(m);
        }
        report.put("chain", chain);
    }

    /** The OCSP verdict, or {@code not checked}. */
    void ocsp(String verdict) {
        report.put("ocsp", verdict);
    }

    /**
     * What the CRLs given with --crl say about the certificates the handshake checked (the
     * server's, or with --crl-full-chain all but the root): the handshake already refused a
     * revoked one unless a fingerprint pin accepted it, which this report then still shows.
     *
     * @param all every CRL of the --crl files
     */
    void crl(List<X509Certificate> chain, boolean checked, boolean crlFullChain, List<X509CRL> all) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checked", checked);
        m.put("fullChain", crlFullChain);
        List<Object> certs = new ArrayList<>();
        if (checked) {
            int last = crlFullChain ? chain.size() : Math.min(1, chain.size());
            for (int i = 0; i < last; i++) {
                X509Certificate c = chain.get(i);
                if (i > 0 && c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                    continue;
                }
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("depth", i);
                e.put("subject", c.getSubjectX500Principal().getName());
                X509CRL from = null;
                for (X509CRL crl : all) {
                    if (crl.getIssuerX500Principal().equals(c.getIssuerX500Principal())
                            && (from == null || crl.getThisUpdate().after(from.getThisUpdate()))) {
                        from = crl;
                    }
                }
                X509CRLEntry entry = from == null ? null : from.getRevokedCertificate(c);
                e.put("status", from == null ? "no CRL from its issuer in the --crl files"
                        : entry == null ? "not revoked"
                        : "revoked since " + entry.getRevocationDate().toInstant()
                                + (entry.getRevocationReason() == null ? "" : " (" + entry.getRevocationReason() + ")"));
                e.put("crlNextUpdate", from == null || from.getNextUpdate() == null ? null
                        : from.getNextUpdate().toInstant().toString());
                certs.add(e);
            }
        }
        m.put("certificates", certs);
        report.put("crl", m);
    }

    /** Whether each further connection (--reconnect) resumed the session; {@code null} where unknown. */
    void reconnects(List<Boolean> resumed) {
        report.put("reconnects", new ArrayList<Object>(resumed));
    }

    /**
     * The hostname verdict on the peer's certificate, checked again on demand so the report can
     * name what was compared; with verification on, a mismatch already failed the handshake.
     *
     * @param publicSuffix the --public-suffix option as given ({@code null}: the built-in list)
     */
    void hostname(TlsConnectionInfo info, String name, HostnameScheme s, PublicSuffix suffixes, String publicSuffix) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("scheme", s.name());
        m.put("publicSuffixList", HostnameOptions.describe(publicSuffix, suffixes));
        try {
            HostnameVerification.Result r = info.checkHostname(name, s, suffixes);
            List<Object> names = new ArrayList<>();
            r.subjectAltNames().forEach(san -> names.add(san.toString()));
            r.commonName().ifPresent(cn -> names.add("CN=" + cn));
            m.put("certificateNames", names);
            m.put("checked", !s.isNone());
            m.put("matched", r.matched());
            m.put("matchedBy", r.matchedBy().orElse(null));
            m.put("reason", r.reason());
        } catch (TlsException e) {
            m.put("certificateNames", List.of());
            m.put("checked", false);
            m.put("matched", false);
            m.put("matchedBy", null);
            m.put("reason", e.getMessage());
        }
        report.put("hostname", m);
    }

    /** The protocol versions the server accepts (--enumerate). */
    void versions(List<Prober.VersionResult> results) {
        List<Object> versions = new ArrayList<>();
        for (Prober.VersionResult v : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", v.version());
            if (v.refused() == null) {
                m.put("accepted", true);
                m.put("cipher", v.cipher());
                m.put("error", null);
            } else {
                m.put("accepted", false);
                m.put("cipher", null);
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("code", v.refused().code().id());
                error.put("message", v.refused().getMessage());
                m.put("error", error);
            }
            versions.add(m);
        }
        report.put("versions", versions);
    }

    /** The probe failed: {@code ok} turns false and {@code error} says why. */
    void failed(TlsException e) {
        report.put("ok", false);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", e.code().id());
        error.put("message", e.getMessage());
        report.put("error", error);
    }

    /** The report as one JSON object (docs/command-line.md's schema). */
    String json() {
        return Json.write(report);
    }

    /** The report as text for a person, one line per finding. */
    @SuppressWarnings("unchecked")
    String text() {
        Map<String, Object> r = report;
        StringBuilder sb = new StringBuilder();
        sb.append("target:       ").append(r.get("target")).append('\n');
        sb.append("server name:  ").append(r.get("serverName") == null ? "(none sent)" : r.get("serverName")).append('\n');
        sb.append("protocol:     ").append(r.get("protocol"))
                .append(String.format(" (0x%04x)", (Integer) r.get("protocolNumber"))).append('\n');
        sb.append("cipher:       ").append(r.get("cipher")).append('\n');
        sb.append("group:        ").append(r.get("group") == null ? "(none)" : r.get("group")).append('\n');
        sb.append("alpn:         ").append(r.get("alpn") == null ? "(none)" : r.get("alpn")).append('\n');
        sb.append("certificate:  ").append(r.get("certificateCompression") == null ? "uncompressed"
                : "compressed (" + r.get("certificateCompression") + ", RFC 8879)").append('\n');
        Object reused = r.get("sessionReused");
        sb.append("session:      ").append(reused == null ? "(unknown)" : (Boolean) reused ? "reused" : "new").append('\n');
        if (r.get("reconnects") != null) {
            List<Object> again = (List<Object>) r.get("reconnects");
            for (int i = 0; i < again.size(); i++) {
                Object a = again.get(i);
                sb.append("reconnect ").append(i + 1).append(":  ").append(a == null ? "(unknown)" : (Boolean) a ? "reused" : "new")
                        .append('\n');
            }
        }
        Map<String, Object> v = (Map<String, Object>) r.get("verification");
        sb.append("verification: ").append((Boolean) v.get("verified") ? "verified"
                : "NOT verified: " + v.getOrDefault("message", "verification was off") + " ["
                        + v.getOrDefault("code", "off") + "]").append('\n');
        sb.append("profile:      ").append(r.get("profile")).append('\n');
        sb.append("ocsp:         ").append(r.get("ocsp")).append('\n');
        Map<String, Object> crl = (Map<String, Object>) r.get("crl");
        if (!(Boolean) crl.get("checked")) {
            sb.append("crl:          not checked\n");
        }
        for (Object o : (List<Object>) crl.get("certificates")) {
            Map<String, Object> c = (Map<String, Object>) o;
            sb.append("crl:          ").append(c.get("depth")).append(' ').append(c.get("subject")).append(": ")
                    .append(c.get("status")).append('\n');
        }
        Map<String, Object> h = (Map<String, Object>) r.get("hostname");
        sb.append("hostname:     ").append(h.get("name")).append(" under scheme ").append(h.get("scheme")).append(": ")
                .append(!(Boolean) h.get("checked") ? "not checked (" + h.get("reason") + ")"
                        : (Boolean) h.get("matched") ? "matched by " + h.get("matchedBy")
                        : "NOT matched: " + h.get("reason")).append('\n');
        List<Object> names = (List<Object>) h.get("certificateNames");
        sb.append("  cert names: ").append(names.isEmpty() ? "(none)" : String.join(", ", names.stream().map(String::valueOf).toList()))
                .append('\n');
        sb.append("  suffixes:   ").append(h.get("publicSuffixList")).append('\n');
        if (r.get("versions") != null) {
            sb.append("versions:     one connection each, verification off\n");
            for (Object o : (List<Object>) r.get("versions")) {
                Map<String, Object> version = (Map<String, Object>) o;
                Map<String, Object> error = (Map<String, Object>) version.get("error");
                sb.append(String.format("  %-10s  ", version.get("version") + ":")).append((Boolean) version.get("accepted")
                        ? "accepted (" + version.get("cipher") + ")"
                        : "refused: " + error.get("message") + " [" + error.get("code") + "]").append('\n');
            }
        }
        sb.append("chain:\n");
        for (Object o : (List<Object>) r.get("chain")) {
            Map<String, Object> c = (Map<String, Object>) o;
            sb.append("  ").append(c.get("depth")).append(" subject: ").append(c.get("subject")).append('\n');
            sb.append("    issuer:  ").append(c.get("issuer")).append('\n');
            sb.append("    valid:   ").append(c.get("notBefore")).append(" to ").append(c.get("notAfter")).append('\n');
            sb.append("    key:     ").append(c.get("key")).append('\n');
            sb.append("    ").append(c.get("sha256")).append('\n');
        }
        return sb.toString();
    }

    /** {@code RSA 2048}, {@code EC P-256}, ...: the key's type and size as the report names them. */
    private static String keyType(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            return "RSA " + ((RSAPublicKey) key).getModulus().bitLength();
        }
        if (key instanceof ECPublicKey) {
            int bits = ((ECPublicKey) key).getParams().getOrder().bitLength();
            return bits == 256 ? "EC P-256" : bits == 384 ? "EC P-384" : bits == 521 ? "EC P-521" : "EC " + bits + "-bit";
        }
        return key.getAlgorithm();
    }
}
