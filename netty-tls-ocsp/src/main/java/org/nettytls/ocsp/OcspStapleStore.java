package org.nettytls.ocsp;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.nettytls.annotation.Spi;

/**
 * Where the servers of a fleet share their OCSP staples, so that a response fetched by one is
 * stapled by all and the responder is asked once per fleet per refresh (netty-tls-redis keeps it
 * in Redis). An {@link OcspStapler} given a store ({@link OcspStapler.Builder#store}) does, for
 * each certificate, at start and whenever a refresh is due:
 * <ol>
 * <li>{@link #get} the stored response; one that verifies as good and is newer than its own, or
 *     not yet due for a refresh, is taken as if fetched;
 * <li>otherwise {@link #claim} the fetch: the instance that gets the claim asks the responder and
 *     {@link #put}s what it verified; the others look again a moment later;
 * <li>when the store fails (it is down, say), asks the responder itself, as without a store.
 * </ol>
 * Every response read from the store is verified again before it is stapled: a store can make
 * the fleet lose a staple, never staple a wrong one.
 *
 * <p>Keys are the certificate's SHA-256 fingerprint in hex. The methods are called on the
 * stapler's event loop and <b>must not block</b>: return a stage that completes later, from any
 * thread (the stapler hops back to its loop).
 */
@Spi
public interface OcspStapleStore {
    /**
     * The stored response (DER) for {@code key}, or {@code null} when there is none.
     *
     * @param key names a certificate
     * @return completes with the response, or {@code null}
     */
    CompletionStage<byte[]> get(String key);

    /**
     * Claims the right to ask the responder about {@code key} for {@code lease}: {@code true}
     * for exactly one caller in the fleet while the lease runs.
     *
     * @param key names a certificate
     * @param lease how long the claim holds
     * @return completes with {@code true} for the one caller that got the claim
     */
    CompletionStage<Boolean> claim(String key, Duration lease);

    /**
     * Stores a verified good response for {@code key} until {@code ttl} from now.
     *
     * @param key names a certificate
     * @param response the response (DER)
     * @param ttl how long it is kept
     * @return completes when stored
     */
    CompletionStage<Void> put(String key, byte[] response, Duration ttl);
}
