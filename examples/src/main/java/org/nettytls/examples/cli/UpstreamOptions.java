package org.nettytls.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsException;
import org.nettytls.examples.HostPort;
import org.nettytls.examples.proxy.TlsTerminatingProxy;
import org.nettytls.transport.Transport;
import picocli.CommandLine.Option;

/** {@code serve}'s proxy options: relay to an upstream instead of echoing. */
final class UpstreamOptions {
    @Option(names = "--upstream", paramLabel = "HOST:PORT",
            description = "Relay each client's decrypted bytes to HOST:PORT (a TLS-terminating proxy).")
    HostPort upstream;

    @Option(names = "--upstream-tls",
            description = "Encrypt to the upstream too, verifying its chain and name (a TLS bridge).")
    boolean tls;

    @Option(names = "--upstream-ca", paramLabel = "FILE",
            description = "CAs the upstream's certificate is verified against (default: the system's).")
    Path ca;

    @Option(names = "--upstream-name", paramLabel = "NAME",
            description = "Name the upstream's certificate must carry, also sent as SNI (default: HOST).")
    String name;

    @Option(names = "--proxy-protocol",
            description = "Send the upstream a PROXY protocol v2 header with the client's address first.")
    boolean proxyProtocol;

    /** Whether any upstream option was given. */
    boolean given() {
        return upstream != null || tls || ca != null || name != null || proxyProtocol;
    }

    /** The proxy these options describe; usage errors for options that need another. */
    TlsTerminatingProxy proxy(Transport transport, Executor resolver, Consumer<String> log)
            throws TlsException {
        if (upstream == null) {
            throw new UsageException("--upstream-tls, --upstream-ca, --upstream-name and --proxy-protocol need --upstream HOST:PORT");
        }
        if (!tls && (ca != null || name != null)) {
            throw new UsageException("--upstream-ca and --upstream-name need --upstream-tls");
        }
        if (upstream.port() == 0) {
            throw UsageException.of("--upstream", "port 0 is for listening; expected the port to connect to, found '"
                    + upstream + "'");
        }
        TlsClientContext context = null;
        if (tls) {
            TlsClientOptions.Builder b = TlsClientOptions.builder();
            if (ca != null) {
                b.caFile(ca);
            }
            if (name != null) {
                b.verifycnName(name).serverName(name);
            }
            context = TlsClientContext.create(b.build());
        }
        return new TlsTerminatingProxy(upstream, context, proxyProtocol, transport, resolver, log);
    }
}
