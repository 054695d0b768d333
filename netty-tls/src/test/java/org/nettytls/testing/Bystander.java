package org.nettytls.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A well-behaved client that keeps talking to a server while a test hurts it or its neighbours,
 * to show that a fault does no collateral damage. On its own thread it repeats a {@link Probe}
 * (a round trip that throws when the answer is wrong or late) every {@code interval}, and
 * {@link #assertUnharmed} fails unless every round trip succeeded within the bound.
 *
 * <p>The probes speak through the JDK's own TLS stack, so they neither share the server's
 * engine nor add buffers to the leak detector's count.
 */
public final class Bystander implements AutoCloseable {
    /** One round trip; throws when it did not get the right answer. */
    public interface Probe extends AutoCloseable {
        void roundTrip() throws Exception;

        @Override
        default void close() {
        }
    }

    private final Thread thread;
    private final Probe probe;
    private final Duration interval;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch firstDone = new CountDownLatch(1);
    private final List<String> failures = new ArrayList<>();
    private final AtomicLong roundTrips = new AtomicLong();
    private final AtomicLong slowestNanos = new AtomicLong();

    private Bystander(String name, Probe probe, Duration interval) {
        this.probe = probe;
        this.interval = interval;
        this.thread = new Thread(this::loop, "bystander-" + name);
        this.thread.setDaemon(true);
    }

    /** Starts repeating {@code probe} every {@code interval} and returns once the first round trip is done. */
    public static Bystander start(String name, Probe probe, Duration interval) throws InterruptedException {
        Bystander b = new Bystander(name, probe, interval);
        b.thread.start();
        if (!b.firstDone.await(Await.EVENT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("bystander " + name + ": no first round trip within " + Await.EVENT.toSeconds() + " s");
        }
        return b;
    }

    private void loop() {
        try {
            do {
                long start = System.nanoTime();
                try {
                    probe.roundTrip();
                    roundTrips.incrementAndGet();
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e.toString());
                    }
                }
                slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                firstDone.countDown();
            } while (!stop.await(interval.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            probe.close();
        }
    }

    /** Round trips completed so far. */
    public long roundTrips() {
        return roundTrips.get();
    }

    /** Waits until {@code n} more round trips (successful or not) than now have been made, the time is up, or it was stopped. */
    public void awaitMore(long n, Duration timeout) throws InterruptedException {
        long target = attempts() + n;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (attempts() < target && System.nanoTime() < deadline && thread.isAlive()) {
            Thread.sleep(10);
        }
    }

    private long attempts() {
        synchronized (failures) {
            return roundTrips.get() + failures.size();
        }
    }

    /** The slowest round trip so far. */
    public Duration slowest() {
        return Duration.ofNanos(slowestNanos.get());
    }

    /** Failed round trips so far, each as its exception's text. */
    public List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    /**
     * Waits until at least {@code minRoundTrips} round trips were made (however long a loaded
     * machine takes: a count reached in a fixed time would say how fast, not whether), stops, then
     * fails unless none failed and none took longer than {@code bound}. The bound is generous on
     * purpose: it says "kept answering", not "was fast".
     */
    public void assertUnharmed(long minRoundTrips, Duration bound) throws InterruptedException {
        awaitMore(minRoundTrips - attempts(), Await.EVENT);
        close();
        List<String> failed = failures();
        if (!failed.isEmpty()) {
            throw new AssertionError(thread.getName() + ": " + failed.size() + " of " + (roundTrips() + failed.size())
                    + " round trips failed, first: " + failed.get(0));
        }
        if (roundTrips() < minRoundTrips) {
            throw new AssertionError(thread.getName() + ": only " + roundTrips() + " round trips, expected at least " + minRoundTrips);
        }
        if (slowest().compareTo(bound) > 0) {
            throw new AssertionError(thread.getName() + ": a round trip took " + slowest().toMillis() + " ms, bound " + bound.toMillis() + " ms");
        }
    }

    @Override
    public void close() {
        stop.countDown();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A JDK TLS context that trusts {@code ca} (no client certificate, no hostname check). */
    public static SSLContext trusting(X509Certificate ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * Each round trip on a new TLS connection to an echo server at 127.0.0.1:{@code port}: a full
     * handshake, a line out and the same line back, and a clean close.
     */
    public static Probe newConnectionEcho(SSLContext tls, int port, Duration timeout) {
        AtomicLong n = new AtomicLong();
        return () -> {
            try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout((int) timeout.toMillis());
                echo(s, "new connection " + n.incrementAndGet());
            }
        };
    }

    /** Every round trip on one TLS connection to an echo server, opened by the first and kept. */
    public static Probe keptConnectionEcho(SSLContext tls, int port, Duration timeout) {
        return new Probe() {
            private SSLSocket socket;
            private long n;

            @Override
            public void roundTrip() throws Exception {
                if (socket == null) {
                    socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
                    socket.setSoTimeout((int) timeout.toMillis());
                }
                echo(socket, "kept connection " + ++n);
            }

            @Override
            public void close() {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException e) {
                        // closing a probe that already failed
                    }
                }
            }
        };
    }

    /** Runs {@code probes} one after the other as one round trip. */
    public static Probe all(Probe... probes) {
        return new Probe() {
            @Override
            public void roundTrip() throws Exception {
                for (Probe p : probes) {
                    p.roundTrip();
                }
            }

            @Override
            public void close() {
                for (Probe p : probes) {
                    p.close();
                }
            }
        };
    }

    /** Writes {@code text} and a newline and expects exactly that back (the socket's timeout bounds the wait). */
    public static void echo(Socket s, String text) throws IOException {
        byte[] line = (text + "\n").getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(line);
        out.flush();
        byte[] back = readFully(s.getInputStream(), line.length);
        if (!Arrays.equals(line, back)) {
            throw new IOException("expected the echo of '" + text + "', got '" + new String(back, StandardCharsets.UTF_8) + "'");
        }
    }

    /** Reads exactly {@code n} bytes, or throws when the stream ends first. */
    public static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new IOException("the connection ended after " + off + " of " + n + " bytes");
            }
            off += r;
        }
        return b;
    }
}
