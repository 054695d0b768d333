package org.nettytls.examples.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A server's per-connection lines, written by a thread of their own: an event loop only queues a
 * line (never waits for the terminal or a pipe, takes no lock), and the writer flushes once for
 * all the lines that queued up meanwhile, so a busy server makes one write call per batch instead
 * of one per connection. After each batch the writer lets lines gather for {@link #LINGER_MILLIS}:
 * an event loop that queues a line while the writer is not waiting for one wakes no thread (a
 * futex call and a context switch saved per line), and the batch is larger. At most
 * {@link #CAPACITY} lines wait; more are dropped and counted, and the count is printed.
 * {@link #close} writes what is still queued.
 */
final class LineLog implements Consumer<String>, AutoCloseable {
    static final int CAPACITY = 65_536;
    /** How long lines gather after a batch: short against a person reading, long against a busy server's lines. */
    static final long LINGER_MILLIS = 10;
    private static final String END = new String("end");

    private final PrintWriter out;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;

    /** @param out where lines go; lines written to it directly elsewhere should synchronize on it */
    LineLog(PrintWriter out, String name) {
        this.out = out;
        this.writer = new Thread(this::write, name);
        writer.setDaemon(true);
        writer.start();
    }

    /** Queues {@code line}; never blocks. */
    @Override
    public void accept(String line) {
        if (!queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    private void write() {
        List<String> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch);
                if (print(batch)) {
                    return;
                }
                batch.clear();
                Thread.sleep(LINGER_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Prints the batch and any drop count as one text, so that an auto-flushing writer (the CLI's
     * standard output flushes on every println) still makes one write call; whether the batch held the end.
     */
    private boolean print(List<String> batch) {
        boolean end = false;
        StringBuilder text = new StringBuilder();
        String newline = System.lineSeparator();
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            text.append('(').append(lost).append(" log lines dropped: the output could not keep up)").append(newline);
        }
        for (String line : batch) {
            if (line == END) {
                end = true;
            } else {
                text.append(line).append(newline);
            }
        }
        synchronized (out) {
            out.print(text);
            out.flush();
        }
        return end;
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() throws InterruptedException {
        while (!queue.offer(END)) {
            Thread.onSpinWait();
        }
        writer.join(5_000);
    }
}
