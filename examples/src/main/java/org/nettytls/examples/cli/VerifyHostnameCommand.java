package org.nettytls.examples.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nettytls.TlsException;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.HostnameVerification;
import org.nettytls.verify.PublicSuffix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verify-hostname}: IO::Socket::SSL's {@code verify_hostname_of_cert} on the command line,
 * one check or a batch of them in one JVM (for replaying vectors or differential tests).
 */
@Command(name = "verify-hostname", description = {
    "Check whether a certificate is valid for a host name under a scheme (IO::Socket::SSL's verify_hostname_of_cert).",
    "Prints one line on stdout, 'matched ...' or 'expected ...', naming the certificate's names and why; exit 0 on a "
            + "match, 1 on a mismatch, 2 for bad options or files (one line 'error: ... [code]' on stderr).",
    "--batch FILE: each line is scheme<TAB>name<TAB>certfile; prints 1 (match), 0 (mismatch) or 'error: <reason> [code]' "
            + "per line, in order, and exits 0 once the file was read (2 when it cannot be). Certificates and schemes are "
            + "loaded once per batch; relative certificate paths are resolved against the working directory.",
    "Names are UTF-8 and may be IDNs; in a batch, \\xHH stands for the character U+00HH (\\x00 for a NUL)."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls verify-hostname www.example.org server.pem",
        "  netty-tls verify-hostname --scheme smtp mail.example.org mail.pem",
        "  netty-tls verify-hostname --batch cases.tsv"})
final class VerifyHostnameCommand implements Callable<Integer> {
    private static final Pattern ESCAPE = Pattern.compile("\\\\x([0-9a-fA-F]{2})");

    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Option(names = "--scheme", paramLabel = "S", defaultValue = "default",
            description = "SSL_verifycn_scheme: default (the default), http, smtp, ldap, sip, none, ..., or "
                    + "custom:check_cn=..,wildcards_in_alt=..,wildcards_in_cn=..,ip_in_cn=..")
    String scheme;

    @Option(names = "--public-suffix", paramLabel = "FILE|none",
            description = "SSL_verifycn_publicsuffix: a public suffix list file, or none to skip the check; default: the built-in list.")
    String publicSuffix;

    @Option(names = "--batch", paramLabel = "FILE", description = "Check every line of FILE (scheme<TAB>name<TAB>certfile).")
    Path batch;

    @Option(names = "--list-version", description = "Print which public suffix list is in use and its version, and exit.")
    boolean listVersion;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The host name or IP address expected.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "CERT", description = "The certificate (PEM, DER or PKCS#12; the first one is checked).")
    Path certificate;

    @Override
    public Integer call() throws Exception {
        PublicSuffix suffixes = HostnameOptions.suffixes(publicSuffix);
        PrintWriter out = spec.commandLine().getOut();
        if (listVersion) {
            out.println(HostnameOptions.describe(publicSuffix, suffixes));
            return Main.OK;
        }
        if (batch != null) {
            if (name != null) {
                throw new UsageException("--batch takes no NAME or CERT");
            }
            return runBatch(out, suffixes);
        }
        if (name == null || certificate == null) {
            throw new UsageException("NAME and CERT are required (or --batch FILE)");
        }
        HostnameScheme s = HostnameOptions.scheme(scheme);
        X509Certificate cert = CertificateLoader.certificates(certificate).get(0);
        HostnameVerification.Result r = HostnameVerification.check(name, cert, s, suffixes);
        out.println(r.describe());
        return r.matched() ? Main.OK : Main.FAILURE;
    }

    private int runBatch(PrintWriter out, PublicSuffix suffixes) throws TlsException {
        InputStream in;
        try {
            in = Files.newInputStream(batch);
        } catch (IOException | SecurityException e) {
            throw TlsException.badInput("batch file " + batch, "cannot be read: " + e.getMessage(), e);
        }
        // Lenient decoding so one bad line is reported as such, not the whole batch lost.
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)));
        Batch b = new Batch(suffixes);
        try (reader) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                out.println(b.answer(number, line));
                out.flush();
            }
        } catch (IOException e) {
            throw TlsException.badInput("batch file " + batch, "cannot be read: " + e.getMessage(), e);
        }
        return Main.OK;
    }

    /** One batch run: schemes and certificates are parsed once however often lines name them. */
    private static final class Batch {
        private final PublicSuffix suffixes;
        private final Map<String, Object> schemes = new HashMap<>();
        private final Map<Path, Object> certificates = new HashMap<>();

        Batch(PublicSuffix suffixes) {
            this.suffixes = suffixes;
        }

        String answer(int number, String line) {
            String[] fields = line.split("\t", -1);
            if (fields.length != 3) {
                return "error: line " + number + ": expected scheme<TAB>name<TAB>certfile, found "
                        + fields.length + " field(s) [bad-input]";
            }
            if (line.indexOf('\uFFFD') >= 0) {
                return "error: line " + number + ": not UTF-8 [bad-input]";
            }
            try {
                HostnameScheme s = (HostnameScheme) cached(schemes, fields[0], () -> HostnameOptions.scheme(fields[0]));
                Path file;
                try {
                    file = Path.of(fields[2]);
                } catch (InvalidPathException e) {
                    return "error: line " + number + ": '" + fields[2] + "' is not a file name [bad-input]";
                }
                X509Certificate cert = (X509Certificate) cached(certificates, file,
                        () -> CertificateLoader.certificates(file).get(0));
                return HostnameVerification.verify(unescape(fields[1]), cert, s, suffixes) ? "1" : "0";
            } catch (TlsException e) {
                return "error: line " + number + ": " + e.getMessage() + " [" + e.code().id() + "]";
            }
        }

        /** The value for {@code key}, made once; a failure is remembered too, so a bad file is read only once. */
        private static <K> Object cached(Map<K, Object> cache, K key, Loader loader) throws TlsException {
            Object v = cache.get(key);
            if (v == null) {
                try {
                    v = loader.load();
                } catch (TlsException e) {
                    v = e;
                }
                cache.put(key, v);
            }
            if (v instanceof TlsException) {
                throw (TlsException) v;
            }
            return v;
        }
    }

    @FunctionalInterface
    private interface Loader {
        Object load() throws TlsException;
    }

    static String unescape(String s) {
        Matcher m = ESCAPE.matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 16))));
        }
        m.appendTail(b);
        return b.toString();
    }
}
