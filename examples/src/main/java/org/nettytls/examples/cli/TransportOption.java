package org.nettytls.examples.cli;

import org.nettytls.TlsException;
import org.nettytls.transport.Transport;
import picocli.CommandLine.Option;

/** {@code --transport}: the servers' Netty transport, chosen by {@link Transport#best()} unless named. */
final class TransportOption {
    @Option(names = "--transport", paramLabel = "auto|io_uring|epoll|nio", defaultValue = "auto",
            description = "Netty transport: auto (default) takes io_uring, else epoll, else NIO; a named one that is not "
                    + "available here is an error.")
    String name;

    /** The transport asked for; a bad-configuration error for an unknown name or one missing here. */
    Transport transport() throws TlsException {
        return Transport.named(name);
    }
}
