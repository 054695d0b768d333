package org.nettytls.sni;

import java.util.concurrent.CompletionStage;
import org.nettytls.TlsServerContext;
import org.nettytls.annotation.Spi;

/**
 * Finds the server context for the name a client asked for. {@link SniMapping} answers at once;
 * a user's lookup may fetch certificates from a store and answer later ({@link SniCertSelector}
 * holds the connection's reads meanwhile and gives up after its lookup timeout); {@link SniMinter}
 * mints certificates for intercepting proxies.
 *
 * <p>Please note: {@link #lookup} is called on the channel's event loop and must not block.
 * Do slow work elsewhere and complete the stage from there.
 */
@Spi
@FunctionalInterface
public interface SniLookup {
    /**
     * The context for {@code serverName}: ASCII, lower case, without a trailing dot, IDN names
     * as A-labels; {@code null} when the client sent no name. The stage completes with
     * {@code null} when there is no certificate for the name (the selector then refuses the
     * handshake with an {@code unrecognized_name} alert), or exceptionally when the lookup failed.
     *
     * @param serverName the canonical name, or {@code null}
     * @return completes with the context, or {@code null}
     */
    CompletionStage<TlsServerContext> lookup(String serverName);
}
