package org.nettytls.sni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;

/**
 * An {@link SniLookup} whose mapping is rebuilt from its files on demand ({@link #reload()}) or
 * when they change ({@link #watch}). New connections get the new certificates; open ones keep
 * theirs. A reload that fails (a missing, broken or mismatched file) keeps the previous mapping
 * in service and reports a failed {@link SniReloadEvent}. Thread-safe.
 *
 * <pre>{@code
 * SniReloader certs = SniReloader.create(() -> SniMapping.builder()
 *         .add("a.example.org", TlsServerOptions.builder().certificateFile(aPem, aKey).build())
 *         .build());
 * certs.onReload(event -> log(event)).watch(scheduler, Duration.ofSeconds(5), aPem, aKey);
 * }</pre>
 *
 * <p>Please note: reloading reads files; run {@link #watch} on a scheduler of its own, not on a
 * Netty event loop.
 */
public final class SniReloader implements SniLookup, AutoCloseable {
    /** Builds the whole mapping, reading its files. */
    @FunctionalInterface
    public interface MappingLoader {
        /**
         * Reads the files and builds a new mapping; called at start and on every reload.
         *
         * @return the new mapping
         * @throws TlsException when a file cannot be read or a context cannot be built: the old
         *     mapping stays
         */
        SniMapping load() throws TlsException;
    }

    private final MappingLoader loader;
    private final AtomicReference<SniMapping> current;
    private final List<Consumer<SniReloadEvent>> listeners = new CopyOnWriteArrayList<>();
    private final Object reloadLock = new Object();
    private volatile ScheduledFuture<?> watcher;

    private SniReloader(MappingLoader loader, SniMapping first) {
        this.loader = loader;
        this.current = new AtomicReference<>(first);
    }

    /**
     * Loads the mapping once; a failure here is the caller's, as at start-up there is nothing to keep.
     *
     * @param loader builds each mapping
     * @return the reloader
     * @throws TlsException whatever the first load throws
     */
    public static SniReloader create(MappingLoader loader) throws TlsException {
        Objects.requireNonNull(loader, "loader");
        return new SniReloader(loader, Objects.requireNonNull(loader.load(), "the loader returned no mapping"));
    }

    /** {@return the mapping in service} */
    public SniMapping current() {
        return current.get();
    }

    @Override
    public CompletionStage<TlsServerContext> lookup(String serverName) {
        return current.get().lookup(serverName);
    }

    /**
     * Calls {@code listener} after every reload, on the thread that reloaded.
     *
     * @param listener hears every reload
     * @return this {@code SniReloader}
     */
    public SniReloader onReload(Consumer<SniReloadEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Rebuilds the mapping now, on this thread. A failure keeps the previous mapping and is reported to the
     * listeners.
     *
     * @return whether the new mapping is in service
     */
    public boolean reload() {
        SniReloadEvent event;
        synchronized (reloadLock) {
            try {
                SniMapping next = Objects.requireNonNull(loader.load(), "the loader returned no mapping");
                current.set(next);
                event = SniReloadEvent.success(next);
            } catch (TlsException e) {
                event = SniReloadEvent.failure(current.get(), e);
            } catch (RuntimeException e) {
                event = SniReloadEvent.failure(current.get(), new TlsException(TlsErrorCode.BAD_CONFIGURATION,
                        "reloading the SNI mapping failed: " + e, e));
            }
        }
        for (Consumer<SniReloadEvent> l : listeners) {
            l.accept(event);
        }
        return event.isSuccess();
    }

    /**
     * Checks {@code files} every {@code interval} on {@code scheduler} and reloads when any of
     * them changed (modification time, size, or coming and going). Replaces an earlier watch.
     *
     * @param scheduler runs the checks
     * @param interval how often
     * @param files the files to watch
     * @return this {@code SniReloader}
     */
    public SniReloader watch(ScheduledExecutorService scheduler, Duration interval, Path... files) {
        Objects.requireNonNull(scheduler, "scheduler");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        List<Path> watched = List.of(files);
        AtomicReference<List<String>> seen = new AtomicReference<>(stamps(watched));
        close();
        watcher = scheduler.scheduleWithFixedDelay(() -> {
            List<String> now = stamps(watched);
            if (!now.equals(seen.getAndSet(now))) {
                reload();
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private static List<String> stamps(List<Path> files) {
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                out.add(a.lastModifiedTime().toMillis() + "/" + a.size() + "/" + a.fileKey());
            } catch (IOException e) {
                out.add("missing");
            }
        }
        return out;
    }

    /** Stops watching; the current mapping stays in service. */
    @Override
    public void close() {
        ScheduledFuture<?> w = watcher;
        if (w != null) {
            w.cancel(false);
            watcher = null;
        }
    }
}
