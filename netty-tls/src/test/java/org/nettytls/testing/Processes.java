package org.nettytls.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a peer program to completion with a bound, capturing its output; and the one way tests
 * turn what a peer printed into text. A peer's message is the most useful part of a failure, and
 * it need not be UTF-8 (Perl prints its source's bytes, OpenSSL a certificate's Latin-1 name, a
 * killed peer half a character): bytes that are not UTF-8 become U+FFFD, so reading never throws
 * and never hides the message.
 */
public final class Processes {
    private Processes() {
    }

    public static final class Result {
        public final List<String> command;
        public final int exit;
        public final String stdout;
        public final String stderr;

        Result(List<String> command, int exit, String stdout, String stderr) {
            this.command = List.copyOf(command);
            this.exit = exit;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** This result, or an AssertionError carrying the command, its status and everything it printed. */
        public Result expectSuccess() {
            if (exit != 0) {
                throw new AssertionError(this);
            }
            return this;
        }

        public String output() {
            return stdout + stderr;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + ": exit " + exit + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
        }
    }

    /**
     * Runs {@code command} in {@code dir} (null: the current one) with {@code stdin} (null: none),
     * and fails with what it printed so far if it has not ended within {@code timeout}.
     */
    public static Result run(Path dir, Duration timeout, byte[] stdin, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            Process p = pb.start();
            Gobbler out = new Gobbler(p.getInputStream());
            Gobbler err = new Gobbler(p.getErrorStream());
            out.start();
            err.start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException ignored) {
                // The program may exit without reading its input.
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                out.join(5000);
                err.join(5000);
                throw new AssertionError(String.join(" ", command) + ": did not finish within " + timeout
                        + "\n--- stdout:\n" + out.text() + "\n--- stderr:\n" + err.text());
            }
            out.join();
            err.join();
            return new Result(command, p.exitValue(), out.text(), err.text());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static Result run(Path dir, List<String> command) {
        return run(dir, Duration.ofSeconds(60), null, command);
    }

    public static Result run(Path dir, String... command) {
        return run(dir, List.of(command));
    }

    /** {@code bytes} as UTF-8, with U+FFFD for whatever is not: never throws. */
    public static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder reported " + e, e);
        }
    }

    /** A file a peer writes (its log, its redirected output) as {@link #text}; empty while it does not exist. */
    public static String readLog(Path file) {
        try {
            return text(Files.readAllBytes(file));
        } catch (NoSuchFileException notYet) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Reads a stream as it comes, so the program never blocks on a full pipe. */
    static final class Gobbler extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Gobbler(InputStream in) {
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] chunk = new byte[8192];
            try {
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    synchronized (buf) {
                        buf.write(chunk, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // The stream closes when the process dies; what came so far is kept.
            }
        }

        String text() {
            synchronized (buf) {
                return Processes.text(buf.toByteArray());
            }
        }
    }
}
