package org.nettytls.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.Fingerprint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code fingerprint [--algo A] [--pub] CERT}: the form {@code SSL_fingerprint} takes, as {@code get_fingerprint} makes it. */
@Command(name = "fingerprint", description = {
    "Print a certificate's fingerprint as algo$hex.",
    "Hashes the first certificate in CERT (PEM, DER or PKCS#12), or with --pub its public key (algo$pub$hex): "
            + "the form SSL_fingerprint and --fingerprint take."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls fingerprint server.pem",
        "  netty-tls fingerprint --algo sha1 --pub server.der"})
final class FingerprintCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Option(names = "--algo", paramLabel = "A", defaultValue = Fingerprint.DEFAULT_ALGORITHM,
            description = "Digest: sha256 (default), sha1, md5, sha512, sha3-256, ...")
    String algorithm;

    @Option(names = "--pub", description = "Hash the public key (the subjectPublicKey bits) instead of the certificate.")
    boolean publicKey;

    @Parameters(paramLabel = "CERT", description = "Certificate file in any format.")
    Path certificate;

    @Override
    public Integer call() throws Exception {
        String fp = Fingerprint.of(CertificateLoader.certificates(certificate).get(0), algorithm, publicKey);
        spec.commandLine().getOut().println(fp);
        return Main.OK;
    }
}
