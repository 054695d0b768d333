package org.nettytls.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.nettytls.error.TlsException;

/**
 * Mutations of real samples, and the contract every parser of outside input keeps: it returns a
 * result or throws {@link TlsException}, never another exception or error.
 */
public final class Bytes {
    private static final byte[] INTERESTING = {0, 1, 0x7f, (byte) 0x80, (byte) 0x81, (byte) 0x82, (byte) 0x84, (byte) 0xff, '\n', '\r', '-', ':', '.', '0'};
    private static final int[] INTERESTING_16 = {0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x7fff, 0x8000, 0xfffe, 0xffff};
    private static final String INTERESTING_CHARS = "\0\n\r\t .*:!$-_/\\\u00e9\u00df\u0130\u212a\uff0e\u3002\ud83d\ude00\ud800";

    private Bytes() {
    }

    /** {@code sample} with one to eight random edits: flips, interesting values, inserts, cuts, copies, truncation. */
    public static byte[] mutate(byte[] sample, Random r) {
        byte[] b = sample.clone();
        int edits = 1 + r.nextInt(8);
        for (int e = 0; e < edits; e++) {
            if (b.length == 0) {
                b = new byte[] {(byte) r.nextInt(256)};
                continue;
            }
            int at = r.nextInt(b.length);
            switch (r.nextInt(9)) {
                case 0:
                    b[at] ^= (byte) (1 << r.nextInt(8));
                    break;
                case 1:
                    b[at] = (byte) r.nextInt(256);
                    break;
                case 2:
                    b[at] = INTERESTING[r.nextInt(INTERESTING.length)];
                    break;
                case 3: {
                    int v = INTERESTING_16[r.nextInt(INTERESTING_16.length)];
                    if (at + 1 < b.length) {
                        b[at] = (byte) (v >> 8);
                        b[at + 1] = (byte) v;
                    }
                    break;
                }
                case 4: {
                    byte[] insert = new byte[1 + r.nextInt(16)];
                    r.nextBytes(insert);
                    b = splice(b, at, 0, insert);
                    break;
                }
                case 5:
                    b = splice(b, at, Math.min(b.length - at, 1 + r.nextInt(32)), new byte[0]);
                    break;
                case 6: {
                    int len = Math.min(b.length - at, 1 + r.nextInt(64));
                    b = splice(b, r.nextInt(b.length + 1), 0, Arrays.copyOfRange(b, at, at + len));
                    break;
                }
                case 7:
                    b = Arrays.copyOf(b, at);
                    break;
                default: {
                    int from = r.nextInt(b.length);
                    int len = Math.min(Math.min(b.length - from, b.length - at), 1 + r.nextInt(16));
                    System.arraycopy(b, from, b, at, len);
                    break;
                }
            }
        }
        return b;
    }

    /** A mutation of one of {@code samples}, or now and then plain random bytes. */
    public static byte[] mutateOneOf(List<byte[]> samples, Random r) {
        if (r.nextInt(20) == 0) {
            byte[] noise = new byte[r.nextInt(256)];
            r.nextBytes(noise);
            return noise;
        }
        return mutate(samples.get(r.nextInt(samples.size())), r);
    }

    /** {@code sample} with a few character edits, drawing on characters that parsers trip over. */
    public static String mutate(String sample, Random r) {
        StringBuilder s = new StringBuilder(sample);
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = s.length() == 0 ? 0 : r.nextInt(s.length() + 1);
            char c = r.nextBoolean() ? INTERESTING_CHARS.charAt(r.nextInt(INTERESTING_CHARS.length())) : (char) (0x20 + r.nextInt(0x5f));
            switch (r.nextInt(4)) {
                case 0:
                    s.insert(at, c);
                    break;
                case 1:
                    if (at < s.length()) {
                        s.setCharAt(at, c);
                    }
                    break;
                case 2:
                    if (at < s.length()) {
                        s.deleteCharAt(at);
                    }
                    break;
                default:
                    s.insert(at, s.substring(r.nextInt(s.length() + 1)));
                    break;
            }
        }
        return s.toString();
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    /** Bytes in a failure message: length and Base64, ready to paste into a regression example. */
    public static String show(byte[] b) {
        return b.length + " bytes, Base64 " + Base64.getEncoder().encodeToString(b);
    }

    /** A string in a failure message, with every character outside printable ASCII escaped. */
    public static String show(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.append('"').toString();
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The parser's contract on outside input: its result, or {@code null} when it threw
     * {@link TlsException}. Anything else it throws (IllegalArgumentException, an index out of
     * bounds, a ClassCastException, a StackOverflowError, ...) fails with that throwable as cause.
     */
    public static <R> R resultOrTlsException(Callable<R> parser) {
        try {
            return parser.call();
        } catch (TlsException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("a TlsException without a message", expected);
            }
            return null;
        } catch (Throwable t) {
            throw new AssertionError("expected a result or a TlsException, got " + t, t);
        }
    }
}
