package org.nettytls.ocsp;

import io.netty.channel.Channel;
import org.nettytls.TlsException;

/**
 * Told what a client's revocation check concluded about the server's certificate, once per
 * connection that reached {@link OcspStapleHandler}: the verdict (from a staple, the cache, the
 * resolver, a CRL distribution point or the staple callback) and, when the server was refused,
 * why. What {@code netty-tls-metrics} counts client-side verdicts with. Called on the channel's
 * event loop; it must not block, and an exception it throws is dropped.
 *
 * <p><b>Experimental</b>, like {@code org.nettytls.TlsObserver}: it may become part of a unified
 * event family.
 */
@FunctionalInterface
public interface OcspVerdictListener {
    /**
     * @param status  the verdict on the server's certificate, or {@code null} when the refusal came
     *                from elsewhere in the chain ({@link OcspClientConfig.Builder#fullChain})
     * @param refusal why the server was refused, or {@code null} when it passed
     */
    void verdict(Channel channel, OcspStatus status, TlsException refusal);
}
