package org.nettytls.examples.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where {@code smtp-server} puts mail: each mail is streamed, as its lines arrive, to a temporary
 * file in a folder by one writer thread (files block; the event loop must not), and renamed to
 * {@code N.eml} when complete, so a reader never sees half a mail. Nothing of a mail is kept in
 * memory beyond {@link #HIGH_WATER} bytes per connection: past that the connection stops reading
 * until the writer has caught up, so a client sending faster than the disk writes costs no heap.
 */
public final class MailSpool {
    /** Bytes handed to the writer and not yet written, per connection, above which reading stops. */
    static final int HIGH_WATER = 1024 * 1024;
    /** ... and below which it goes on. */
    static final int LOW_WATER = 256 * 1024;

    private final Path dir;
    private final Executor writer;
    private final Consumer<Path> stored;
    private final Consumer<String> log;
    private final AtomicLong counter = new AtomicLong();

    /**
     * @param dir the folder for mails
     * @param writer runs the file work, one task at a time in order (a single thread)
     * @param stored gets each complete mail's file, on the writer
     * @param log a line for each mail that could not be stored
     */
    public MailSpool(Path dir, Executor writer, Consumer<Path> stored, Consumer<String> log) {
        this.dir = dir;
        this.writer = writer;
        this.stored = stored;
        this.log = log;
    }

    /** Starts a mail on {@code channel}; {@code envelope} (header lines, each ending in CRLF) comes first. */
    Mail open(Channel channel, String envelope) {
        Mail mail = new Mail(channel, counter.incrementAndGet());
        mail.write(envelope.getBytes(StandardCharsets.US_ASCII));
        return mail;
    }

    /** One mail being received. Its methods are called on the channel's event loop. */
    final class Mail {
        private final Channel channel;
        private final long id;
        private final Path tmp;
        private final AtomicLong pending = new AtomicLong();
        private volatile boolean stoppedReading;
        private FileChannel file;
        private IOException failure;

        Mail(Channel channel, long id) {
            this.channel = channel;
            this.id = id;
            this.tmp = dir.resolve("." + id + ".tmp");
        }

        private void write(byte[] bytes) {
            writer.execute(() -> append(java.nio.ByteBuffer.wrap(bytes)));
        }

        /** Appends {@code chunk} (released here). */
        void write(ByteBuf chunk) {
            int n = chunk.readableBytes();
            if (pending.addAndGet(n) > HIGH_WATER && !stoppedReading) {
                stoppedReading = true;
                channel.config().setAutoRead(false);
            }
            writer.execute(() -> {
                try {
                    append(chunk.nioBuffer());
                } finally {
                    ReferenceCountUtil.release(chunk);
                    if (pending.addAndGet(-n) < LOW_WATER && stoppedReading) {
                        channel.eventLoop().execute(this::readAgain);
                    }
                }
            });
        }

        private void readAgain() {
            if (stoppedReading && pending.get() < LOW_WATER) {
                stoppedReading = false;
                channel.config().setAutoRead(true);
            }
        }

        private void append(java.nio.ByteBuffer b) {
            if (failure != null) {
                return;
            }
            try {
                if (file == null) {
                    Files.createDirectories(dir);
                    file = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                }
                while (b.hasRemaining()) {
                    file.write(b);
                }
            } catch (IOException e) {
                failure = e;
            }
        }

        /** The mail is complete: renamed into place. */
        void commit() {
            finish(true);
        }

        /** The mail is refused: its file goes away. */
        void abort() {
            finish(false);
        }

        private void finish(boolean keep) {
            readAgain();
            writer.execute(() -> {
                try {
                    if (file != null) {
                        file.close();
                    }
                    if (keep && failure == null) {
                        Path done = dir.resolve(id + ".eml");
                        Files.move(tmp, done);
                        stored.accept(done);
                    } else {
                        Files.deleteIfExists(tmp);
                    }
                } catch (IOException e) {
                    failure = failure != null ? failure : e;
                }
                if (keep && failure != null) {
                    log.accept("mail " + id + " not stored: " + failure);
                }
            });
        }
    }
}
