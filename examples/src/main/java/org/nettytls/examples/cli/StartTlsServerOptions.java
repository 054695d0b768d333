package org.nettytls.examples.cli;

import java.util.List;
import org.nettytls.error.TlsException;
import org.nettytls.sni.SniMapping;
import org.nettytls.transport.Transport;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What line-server, smtp-server and ftp-server share: where they listen and their certificates, as for serve. */
final class StartTlsServerOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
            description = "Where to listen (default 127.0.0.1:0, a free port).")
    String listen;

    @Option(names = "--cert", paramLabel = "NAME=CERT[,KEY]", required = true,
            description = {"Certificate (and key; default: in CERT) for the name a client asks for after the upgrade; repeatable,",
                "as for serve: 'default=' for any other name, 'NAME%ecc=' for a second key type."})
    List<String> certs;

    @Mixin
    TransportOption transport;

    /** The transport asked for with --transport (io_uring, else epoll, else NIO by default). */
    Transport transport() throws TlsException {
        return transport.transport();
    }

    /** The certificates by name; the upgrade picks one by the ClientHello's server name. */
    SniMapping mapping() throws TlsException {
        return CertSpecs.load(CertSpecs.parse(spec.commandLine(), certs), o -> o);
    }
}
