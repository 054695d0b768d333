package org.nettytls.redis;

import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.nettytls.ocsp.OcspStapleStore;

/**
 * OCSP staples in Redis: the response under {@code PREFIX ocsp:FINGERPRINT} with the time it
 * stays current, and the fetch claim under {@code PREFIX ocsp-claim:FINGERPRINT}
 * ({@code SET NX PX}), so that one instance of the fleet asks the responder. Responses are public
 * data; every instance verifies what it reads before stapling it.
 */
final class RedisStapleStore implements OcspStapleStore {
    private final RedisFleet fleet;
    private final byte[] instance = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);

    RedisStapleStore(RedisFleet fleet) {
        this.fleet = fleet;
    }

    @Override
    public CompletionStage<byte[]> get(String key) {
        return fleet.run(redis -> redis.get(fleet.key("ocsp:" + key)));
    }

    @Override
    public CompletionStage<Boolean> claim(String key, Duration lease) {
        return fleet.run(redis -> redis.set(fleet.key("ocsp-claim:" + key), instance,
                SetArgs.Builder.nx().px(Math.max(1, lease.toMillis())))).thenApply("OK"::equals);
    }

    @Override
    public CompletionStage<Void> put(String key, byte[] response, Duration ttl) {
        return fleet.run(redis -> redis.set(fleet.key("ocsp:" + key), response,
                SetArgs.Builder.px(Math.max(1, ttl.toMillis())))).thenApply(ok -> null);
    }
}
