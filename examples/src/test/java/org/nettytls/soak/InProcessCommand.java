package org.nettytls.soak;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nettytls.examples.cli.Main;

/**
 * A server command of the command line ({@code serve}, {@code line-server}, ...) run in this JVM
 * on its own thread, so its buffers, heap and descriptors are the soak's to watch. Its output is
 * read line by line and only counted (a server prints a line per connection, which kept in memory
 * would look like a leak); the last lines are kept for failure messages. Interrupting the thread
 * stops the command: its wait on the server channel ends and it shuts its event loops down.
 */
final class InProcessCommand implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final int KEPT_LINES = 500;

    final String name;
    private final Thread thread;
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final CompletableFuture<Integer> status = new CompletableFuture<>();
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong errorLines = new AtomicLong();
    private final ArrayDeque<String> last = new ArrayDeque<>();

    InProcessCommand(String... args) {
        this.name = args[0];
        PrintWriter out = new PrintWriter(new LineSink(false));
        PrintWriter err = new PrintWriter(new LineSink(true));
        thread = new Thread(() -> {
            try {
                status.complete(Main.run(out, err, args));
            } catch (Throwable t) {
                status.completeExceptionally(t);
            }
            port.completeExceptionally(new IllegalStateException(name + " ended before listening: " + lastLines()));
        }, "soak-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** The port it listens on, once it said so (within 30 s). */
    int port() throws Exception {
        return port.get(30, TimeUnit.SECONDS);
    }

    /** Lines printed on standard output and standard error so far. */
    long lines() {
        return lines.get();
    }

    /** Lines printed on standard error so far: a server that works prints none. */
    long errorLines() {
        return errorLines.get();
    }

    /** The kept lines that mention {@code text} (e.g. a client's port), for failure messages. */
    String linesMentioning(String text) {
        synchronized (last) {
            return String.join(" | ", last.stream().filter(l -> l.contains(text)).toArray(String[]::new));
        }
    }

    String lastLines() {
        synchronized (last) {
            return String.join(" | ", new ArrayList<>(last));
        }
    }

    /** Stops the command and waits for it to end. */
    @Override
    public void close() throws Exception {
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        if (thread.isAlive()) {
            throw new IllegalStateException(name + " did not stop within 30 s");
        }
    }

    /** Splits what the command prints into lines, counts them and keeps the last few. */
    private final class LineSink extends Writer {
        private final boolean error;
        private final StringBuilder line = new StringBuilder();

        LineSink(boolean error) {
            this.error = error;
        }

        @Override
        public synchronized void write(char[] cbuf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                char c = cbuf[i];
                if (c == '\n') {
                    lineDone(line.toString());
                    line.setLength(0);
                } else if (line.length() < 1000) {
                    line.append(c);
                }
            }
        }

        private void lineDone(String text) {
            lines.incrementAndGet();
            if (error) {
                errorLines.incrementAndGet();
            }
            synchronized (last) {
                last.addLast((error ? "stderr: " : "") + text);
                while (last.size() > KEPT_LINES) {
                    last.removeFirst();
                }
            }
            Matcher m = LISTENING.matcher(text);
            if (m.find()) {
                port.complete(Integer.parseInt(m.group(1)));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
