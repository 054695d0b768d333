package org.nettytls.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nettytls.testing.Await;

/**
 * A real peer program running next to the test: its standard output and error are collected
 * as they come, its standard input stays open until {@link #closeStdin()}, and every wait is
 * bounded. {@link #close()} kills it if it still runs; call it in a finally or
 * {@code @AfterEach}.
 */
final class PeerProcess implements AutoCloseable {
    static final Duration WAIT = Await.EVENT;

    private final List<String> command;
    private final Process process;
    private final Collector out;
    private final Collector err;
    private final OutputStream stdin;

    private PeerProcess(List<String> command, Process process) {
        this.command = List.copyOf(command);
        this.process = process;
        this.out = new Collector(process.getInputStream(), "stdout of " + command.get(0));
        this.err = new Collector(process.getErrorStream(), "stderr of " + command.get(0));
        this.stdin = process.getOutputStream();
        out.start();
        err.start();
    }

    static PeerProcess start(Path dir, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            return new PeerProcess(command, pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    static PeerProcess start(Path dir, String... command) {
        return start(dir, List.of(command));
    }

    String stdout() {
        return out.text();
    }

    String stderr() {
        return err.text();
    }

    /** Waits until standard output matches {@code pattern} and returns the match. */
    Matcher awaitStdout(Pattern pattern) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Matcher m = pattern.matcher(out.text());
            if (m.find()) {
                return m;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no match for /" + pattern + "/ within " + WAIT + "\n" + describe());
            }
            if (!process.isAlive() && out.finished()) {
                throw new AssertionError("the peer ended without printing /" + pattern + "/\n" + describe());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** Waits until standard output contains {@code text}. */
    void awaitStdout(String text) {
        awaitStdout(Pattern.compile(Pattern.quote(text)));
    }

    /** Waits for a line such as {@code PREFIX 12345} and returns the number: where a peer listens. */
    int awaitPort(String regexWithPortGroup) {
        return Integer.parseInt(awaitStdout(Pattern.compile(regexWithPortGroup)).group(1));
    }

    /** Writes {@code text} to the peer's standard input and flushes it. */
    void send(String text) {
        try {
            stdin.write(text.getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new AssertionError("cannot write to the peer's stdin\n" + describe(), e);
        }
    }

    /**
     * Writes {@code text} if the peer still reads it: a peer that refuses the handshake may have
     * exited before the test writes, and its closed stdin is then no failure of the test.
     */
    void sendUnlessExited(String text) {
        try {
            stdin.write(text.getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            // The pipe breaks as the peer exits, a moment before the JDK sees it gone.
            boolean exited;
            try {
                exited = process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                exited = false;
            }
            if (!exited) {
                throw new AssertionError("cannot write to the peer's stdin\n" + describe(), e);
            }
        }
    }

    void closeStdin() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // The peer may have exited already; nothing is left to tell it.
        }
    }

    /** Waits for the peer to exit on its own and returns its status; fails if it does not in time. */
    int awaitExit() {
        try {
            if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the peer did not exit within " + WAIT + "\n" + describe());
            }
            out.join(WAIT.toMillis());
            err.join(WAIT.toMillis());
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Stops the peer if it still runs, and waits until its output is complete. */
    void stop() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
                out.join(5000);
                err.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The command, its status if it ended, and everything it printed: for assertion messages. */
    String describe() {
        String status = process.isAlive() ? "running" : "exit " + process.exitValue();
        return "peer: " + String.join(" ", command) + " (" + status + ")\n--- stdout:\n" + out.text()
                + "\n--- stderr:\n" + err.text();
    }

    @Override
    public void close() {
        closeStdin();
        stop();
    }

    /** Reads a stream as it comes, so the peer never blocks on a full pipe. */
    private static final class Collector extends Thread {
        private final InputStream in;
        private final StringBuffer text = new StringBuffer();
        private volatile boolean finished;

        Collector(InputStream in, String name) {
            super(name);
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            char[] buf = new char[4096];
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                for (int n; (n = r.read(buf)) >= 0; ) {
                    text.append(buf, 0, n);
                }
            } catch (IOException ignored) {
                // The stream breaks when the peer is killed; what came so far is kept.
            } finally {
                finished = true;
            }
        }

        String text() {
            return text.toString();
        }

        boolean finished() {
            return finished;
        }
    }
}
