package org.nettytls.examples.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsException;
import org.nettytls.redis.RedisFleet;
import org.nettytls.redis.RedisFleetMetrics;
import org.nettytls.redis.RedisTicketKeys;
import picocli.CommandLine.Option;

/**
 * {@code serve --fleet redis://...}: the instances of a fleet share session ticket keys (so a
 * session from one resumes on another) and OCSP staples (so the responder is asked once) through
 * Redis, with netty-tls-redis. {@code rediss://} is TLS to Redis, verified with {@code --fleet-ca}.
 */
final class FleetOptions {
    @Option(names = "--fleet", paramLabel = "URI", description = "Share session ticket keys and OCSP staples with the "
            + "other instances through Redis: redis://[:PASSWORD@]HOST:PORT, or rediss://... for TLS (with --fleet-ca). "
            + "TLS 1.2 tickets are on. Redis being away never stops a handshake: keys and staples in memory go on.")
    String uri;

    @Option(names = "--fleet-ca", paramLabel = "FILE", description = "CA that the Redis server's certificate is verified "
            + "against (rediss://), by netty-tls' own client checks.")
    Path ca;

    @Option(names = "--fleet-password-file", paramLabel = "FILE",
            description = "Redis AUTH password, read from FILE (its first line), to keep it off the command line.")
    Path passwordFile;

    private RedisFleet fleet;
    private RedisTicketKeys keys;

    boolean on() {
        return uri != null;
    }

    /** Connects (waiting briefly; Redis down at start is not an error) and starts the shared ticket keys. */
    void start(MetricsOptions metrics) throws TlsException {
        if (uri == null) {
            if (ca != null || passwordFile != null) {
                throw new UsageException("--fleet-ca and --fleet-password-file need --fleet");
            }
            return;
        }
        RedisFleet.Builder b = RedisFleet.builder(uri);
        if (ca != null) {
            b.tls(TlsClientOptions.builder().caFile(ca).build());
        }
        if (passwordFile != null) {
            try {
                String first = Files.readAllLines(passwordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
                b.password(first.toCharArray());
            } catch (IOException e) {
                throw TlsException.badInput(passwordFile.toString(), "cannot read the fleet password: " + e.getMessage(), e);
            }
        }
        fleet = b.build();
        keys = fleet.ticketKeys(RedisTicketKeys.Settings.DEFAULTS);
        if (metrics.on()) {
            new RedisFleetMetrics(fleet).bindTo(metrics.registry());
        }
    }

    RedisFleet fleet() {
        return fleet;
    }

    RedisTicketKeys ticketKeys() {
        return keys;
    }

    String describe() {
        return "fleet: " + fleet.where() + (keys.shared() ? " (ticket keys shared)" : " (unreachable: serving with keys of"
                + " this instance until it answers)");
    }

    void close() {
        if (keys != null) {
            keys.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }
}
