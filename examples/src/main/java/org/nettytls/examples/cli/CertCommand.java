package org.nettytls.examples.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.cert.SubjectAltName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cert ca} and {@code cert issue}: a CA and certificates signed by it, as PEM, like
 * IO::Socket::SSL::Utils' {@code CERT_create}. {@code --out PREFIX} writes {@code PREFIX.pem}
 * and {@code PREFIX.key}.
 */
@Command(name = "cert", description = "Make a CA, or a certificate signed by one, as PEM files.",
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls cert ca --out ca --cn 'My Test CA'",
        "  netty-tls cert issue --ca ca --out www --cn www.example.org \\",
        "      --san DNS:www.example.org"},
        subcommands = {CertCommand.Ca.class, CertCommand.Issue.class})
final class CertCommand {
    @Mixin
    HelpOption help;

    /** The key type, as {@code --key} spells it. */
    enum KeyKind {
        ec, rsa;

        HeldCertificate.Builder applyTo(HeldCertificate.Builder b) {
            return this == rsa ? b.rsa(2048) : b.keyType(HeldCertificate.KeyType.EC);
        }
    }

    @Command(name = "ca", description = {
        "Make a self-signed root CA, and with --intermediates N a chain of N intermediate CAs below it.",
        "PREFIX.pem/PREFIX.key are the CA that signs (the lowest intermediate, with its chain up to the root, "
                + "or the root itself); with intermediates the root certificate, the trust anchor, goes to PREFIX-root.pem. "
                + "The CA that signs may sign leaves and one level of intermediate CAs ('cert issue --ca-cert')."},
            footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls cert ca --out ca",
        "  netty-tls cert ca --out ca --key rsa --days 30 --intermediates 1"})
    static final class Ca implements Callable<Integer> {
        @Mixin
        HelpOption help;

        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "Write PREFIX.pem and PREFIX.key.")
        Path out;

        @Option(names = "--cn", paramLabel = "NAME", defaultValue = "netty-tls CA", description = "Common name (default: ${DEFAULT-VALUE}).")
        String commonName;

        @Option(names = "--key", paramLabel = "ec|rsa", defaultValue = "ec", description = "Key type (default: ${DEFAULT-VALUE}).")
        KeyKind key;

        @Option(names = "--days", paramLabel = "N", defaultValue = "3650", description = "Valid for N days (default: ${DEFAULT-VALUE}).")
        int days;

        @Option(names = "--intermediates", paramLabel = "N", defaultValue = "0",
                description = "Intermediate CAs below the root (default: ${DEFAULT-VALUE}).")
        int intermediates;

        @Override
        public Integer call() throws Exception {
            checkDays(days);
            if (intermediates < 0) {
                throw UsageException.of("--intermediates", "must be 0 or more, not " + intermediates);
            }
            // Path lengths leave room for one more CA level below the signer, so that
            // 'cert issue --ca-cert' makes an intermediate that verifiers accept.
            HeldCertificate root = key.applyTo(HeldCertificate.builder()).commonName(commonName)
                    .certificateAuthority(intermediates + 1).days(days).build();
            HeldCertificate signer = root;
            for (int i = 1; i <= intermediates; i++) {
                signer = key.applyTo(HeldCertificate.builder()).commonName(commonName + " Intermediate " + i)
                        .certificateAuthority(intermediates - i + 1).days(days).signedBy(signer).build();
            }
            List<Path> written = new ArrayList<>(signer.writeTo(out));
            if (intermediates > 0) {
                Path rootPrefix = out.resolveSibling(out.getFileName() + "-root");
                written.add(writeCertificateOnly(root, rootPrefix));
            }
            written.forEach(p -> spec.commandLine().getOut().println("wrote " + p));
            return Main.OK;
        }

        /** The root's key stays unwritten: with intermediates, the root never signs again. */
        private static Path writeCertificateOnly(HeldCertificate root, Path prefix) throws TlsException {
            Path pem = prefix.resolveSibling(prefix.getFileName() + ".pem");
            try {
                Files.writeString(pem, root.certificatePem(), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw TlsException.badInput(pem.toString(), "cannot write: " + e.getMessage(), e);
            }
            return pem;
        }
    }

    @Command(name = "issue", description = {
        "Make a certificate signed by a CA, as PEM files.",
        "The CA is PREFIX.pem/PREFIX.key of --ca (from 'cert ca' or an earlier 'cert issue --ca-cert'). "
                + "PREFIX.pem of the result holds the certificate and its chain."},
            footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls cert issue --ca ca --out www --cn www.example.org \\",
        "      --san DNS:www.example.org,IP:127.0.0.1",
        "  netty-tls cert issue --ca ca --out mail --cn mail.example.org \\",
        "      --must-staple --ocsp-url http://127.0.0.1:8888/"})
    static final class Issue implements Callable<Integer> {
        @Mixin
        HelpOption help;

        @Spec
        CommandSpec spec;

        @Option(names = "--ca", required = true, paramLabel = "PREFIX", description = "Sign with PREFIX.pem and PREFIX.key.")
        Path ca;

        @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "Write PREFIX.pem and PREFIX.key.")
        Path out;

        @Option(names = "--cn", required = true, paramLabel = "NAME", description = "Common name.")
        String commonName;

        @Option(names = "--san", paramLabel = "TYPE:VALUE", split = ",",
                description = "subjectAltNames, comma-separated or repeated: DNS:x, IP:y, EMAIL:z, URI:u.")
        List<String> sans = new ArrayList<>();

        @Option(names = "--key", paramLabel = "ec|rsa", defaultValue = "ec", description = "Key type (default: ${DEFAULT-VALUE}).")
        KeyKind key;

        @Option(names = "--ocsp-url", paramLabel = "URL", description = "OCSP responder URL (authorityInfoAccess).")
        String ocspUrl;

        @Option(names = "--crl-url", paramLabel = "URL", description = "CRL distribution point URL.")
        String crlUrl;

        @Option(names = "--must-staple", description = "Add the TLS feature extension status_request (RFC 7633).")
        boolean mustStaple;

        @Option(names = "--days", paramLabel = "N", defaultValue = "365", description = "Valid for N days (default: ${DEFAULT-VALUE}).")
        int days;

        @Option(names = "--ca-cert", description = "Make an intermediate CA that signs leaf certificates, not a leaf.")
        boolean caCert;

        @Override
        public Integer call() throws Exception {
            checkDays(days);
            HeldCertificate.Builder b = key.applyTo(HeldCertificate.builder()).commonName(commonName).days(days)
                    .signedBy(loadCa(ca));
            for (String san : sans) {
                try {
                    b.addSubjectAltName(SubjectAltName.parse(san));
                } catch (IllegalArgumentException e) {
                    throw UsageException.of("--san", e.getMessage());
                }
            }
            if (ocspUrl != null) {
                b.ocspUrl(ocspUrl);
            }
            if (crlUrl != null) {
                b.crlUrl(crlUrl);
            }
            if (caCert) {
                b.certificateAuthority(0);
            }
            b.mustStaple(mustStaple);
            for (Path p : b.build().writeTo(out)) {
                spec.commandLine().getOut().println("wrote " + p);
            }
            return Main.OK;
        }

        /** The signing CA from PREFIX.pem and PREFIX.key, with the chain that follows it in PREFIX.pem. */
        static HeldCertificate loadCa(Path prefix) throws TlsException {
            Path pem = prefix.resolveSibling(prefix.getFileName() + ".pem");
            Path key = prefix.resolveSibling(prefix.getFileName() + ".key");
            KeyMaterial m = CertificateLoader.keyMaterial(pem, key, null);
            X509Certificate cert = m.leaf();
            if (cert.getBasicConstraints() < 0) {
                throw new TlsException(TlsErrorCode.BAD_INPUT, pem + ": " + cert.getSubjectX500Principal().getName()
                        + " is not a CA certificate (no basicConstraints CA:TRUE), so it cannot sign");
            }
            List<X509Certificate> issuers = m.chain().subList(1, m.chain().size());
            return HeldCertificate.of(cert, new KeyPair(cert.getPublicKey(), m.key()), issuers);
        }
    }

    static void checkDays(int days) {
        if (days <= 0) {
            throw UsageException.of("--days", "must be a positive number of days, not " + days);
        }
    }
}
