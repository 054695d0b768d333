package org.nettytls.examples.cli;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.nettytls.TlsException;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.ocsp.OcspStaplerEvent;
import org.nettytls.ocsp.OcspStatus;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code serve}'s OCSP stapling options: every certificate of every {@code --cert} gets its own
 * staple from netty-tls-ocsp's {@link OcspStapler}, handed to each connection through
 * {@code TlsServerOptions.ocspStaples}, so that a name's RSA and ECDSA certificates each go out
 * with their own response. The same options serve {@code --echo} and {@code --upstream}.
 */
final class OcspStapleOptions {
    @Option(names = "--ocsp-staple", description = "Staple an OCSP response to every certificate served (each name's, each key "
            + "type's, the default's), fetched from the certificate's OCSP URL (authorityInfoAccess), verified, and refreshed "
            + "at half its validity. Each CERT file must hold the certificate followed by its issuer.")
    boolean staple;

    @Option(names = "--ocsp-url", paramLabel = "URL", description = "Ask this OCSP responder instead of each certificate's own.")
    URI url;

    @Option(names = "--ocsp-dir", paramLabel = "DIR", description = "Keep good responses in DIR and start from them, so a "
            + "restart staples at once even with the responder down (a revoked answer deletes the file).")
    Path dir;

    @Option(names = "--ocsp-wait", paramLabel = "SECONDS", description = "How long to wait at start for the first responses "
            + "before accepting connections (default: ${DEFAULT-VALUE}); handshakes before a certificate's first good "
            + "response go out without a staple, and the log says which.")
    int waitSeconds = 10;

    /** Each certificate to staple and the {@code --cert} name it came with, one entry per certificate. */
    private final Map<X509Certificate, String> leaves = new LinkedHashMap<>();
    private final List<List<X509Certificate>> chains = new ArrayList<>();
    private volatile OcspStapler stapler;

    /**
     * Checks that the OCSP options go together and reads the certificates to staple, with their
     * issuers; call before anything starts, so that a bad file is the only thing said.
     */
    void check(CommandSpec spec, List<CertSpecs.Entry> entries) throws TlsException {
        if (!staple && (url != null || dir != null)) {
            throw new ParameterException(spec.commandLine(), (url != null ? "--ocsp-url" : "--ocsp-dir") + " needs --ocsp-staple");
        }
        if (waitSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "--ocsp-wait must not be negative: " + waitSeconds);
        }
        if (url != null && !"http".equalsIgnoreCase(url.getScheme())) {
            throw new ParameterException(spec.commandLine(), "--ocsp-url: OCSP is asked over http://, not '" + url + "'");
        }
        if (!staple) {
            return;
        }
        for (CertSpecs.Entry e : entries) {
            List<X509Certificate> chain = CertificateLoader.certificates(e.cert);
            if (chain.isEmpty() || leaves.containsKey(chain.get(0))) {
                continue;
            }
            if (chain.size() < 2) {
                throw TlsException.badConfiguration("--ocsp-staple", e.cert + " holds only the certificate of '" + e.name
                        + "'; stapling needs its issuer after it in the same file, to ask the responder and check the answer");
            }
            leaves.put(chain.get(0), e.name);
            chains.add(chain.subList(0, 2));
        }
    }

    /** The current good staple of {@code leaf}, for {@code TlsServerOptions.ocspStaples}; none before {@link #start}. */
    byte[] currentStaple(X509Certificate leaf) {
        OcspStapler s = stapler;
        return s == null ? null : s.currentStaple(leaf);
    }

    /**
     * With {@code --ocsp-staple}, starts the stapler for the certificates {@link #check} read,
     * logs its events, and waits up to {@code --ocsp-wait} for the first round, saying what is
     * stapled and what is not yet.
     */
    void start(EventLoopGroup group, Class<? extends SocketChannel> channelType, Consumer<String> log)
            throws TlsException, InterruptedException {
        if (!staple) {
            return;
        }
        OcspStapler.Builder b = OcspStapler.builder(group).channelType(channelType).listener(e -> log.accept(describe(e)));
        chains.forEach(b::certificate);
        if (url != null) {
            b.responderUrl(url);
        }
        if (dir != null) {
            b.persistTo(dir);
        }
        OcspStapler started = b.start();
        stapler = started;
        boolean done = started.ready().await(waitSeconds, TimeUnit.SECONDS);
        List<String> unstapled = new ArrayList<>();
        for (Map.Entry<X509Certificate, String> leaf : leaves.entrySet()) {
            if (started.currentStaple(leaf.getKey()) == null) {
                unstapled.add(leaf.getValue() + " (" + subject(leaf.getKey()) + ")");
            }
        }
        if (unstapled.isEmpty()) {
            log.accept("ocsp: stapling all " + leaves.size() + " certificate(s)");
        } else {
            log.accept("ocsp: " + (done ? "" : "no answer within " + waitSeconds + " s; ") + "handshakes go out without a "
                    + "staple for " + String.join(", ", unstapled) + " until a good response arrives");
        }
    }

    /** Stops the refreshes. */
    void close() {
        OcspStapler s = stapler;
        if (s != null) {
            s.close();
        }
    }

    private static String describe(OcspStaplerEvent e) {
        String what = subject(e.certificate()) + " (serial " + e.certificate().getSerialNumber().toString(16) + ")";
        OcspStatus s = e.status();
        switch (e.kind()) {
            case FETCHED:
                return "ocsp: fetched " + what + ": " + s + nextRefresh(s);
            case REFRESHED:
                return "ocsp: refreshed " + what + ": " + s + nextRefresh(s);
            default:
                return "ocsp: failed " + what + ": " + (e.cause() != null ? e.cause() : String.valueOf(s))
                        + (s != null && s.isHardFailure() ? "; not stapled" : "; the last good response, if any, stays until its nextUpdate");
        }
    }

    private static String nextRefresh(OcspStatus s) {
        return s.validUntil() == null ? "" : "; valid until " + s.validUntil() + ", refreshed at half its validity";
    }

    private static String subject(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }
}
