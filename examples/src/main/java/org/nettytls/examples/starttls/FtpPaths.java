package org.nettytls.examples.starttls;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * The FTP server's view of its folder: virtual paths ({@code /a/b}) that can never name anything
 * outside the root, neither by {@code ..} nor by a symbolic link that points out of it. All
 * methods touch the file system and block: call them off the event loop.
 */
final class FtpPaths {
    private static final DateTimeFormatter LIST_TIME = DateTimeFormatter.ofPattern("MMM dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MDTM = DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final Path root;

    FtpPaths(Path root) throws IOException {
        this.root = root.toRealPath();
        if (!Files.isDirectory(this.root)) {
            throw new IOException(root + " is not a folder");
        }
    }

    /**
     * The virtual path of {@code arg} seen from the virtual folder {@code cwd}: absolute, with
     * {@code .} and {@code ..} resolved lexically and {@code ..} stopping at the root.
     */
    static String virtual(String cwd, String arg) {
        Deque<String> parts = new ArrayDeque<>();
        String joined = arg.startsWith("/") ? arg : cwd + "/" + arg;
        for (String p : joined.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(p);
            }
        }
        return "/" + String.join("/", parts);
    }

    /** The real file of a virtual path, which must exist and stay inside the root after links are followed. */
    Path existing(String virtual) throws IOException {
        Path real = local(virtual).toRealPath();
        if (!real.startsWith(root)) {
            throw new NoSuchFileException(virtual, null, "outside the served folder");
        }
        return real;
    }

    /** Where a new file of a virtual path goes: its folder must exist inside the root, and the name must not be a link. */
    Path writable(String virtual) throws IOException {
        Path local = local(virtual);
        if (local.equals(root)) {
            throw new IOException(virtual + " is a folder");
        }
        Path parent = existing(virtual.substring(0, virtual.lastIndexOf('/') + 1));
        Path target = parent.resolve(local.getFileName().toString());
        if (Files.isSymbolicLink(target) || Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(virtual + " is not a plain file");
        }
        return target;
    }

    private Path local(String virtual) throws IOException {
        if (virtual.indexOf('\0') >= 0) {
            throw new NoSuchFileException(virtual);
        }
        Path p = root;
        for (String part : virtual.split("/")) {
            if (!part.isEmpty()) {
                p = p.resolve(part);
            }
        }
        // virtual() removed every "..": anything that still leaves the root is a bug, not a request.
        if (!p.normalize().startsWith(root)) {
            throw new NoSuchFileException(virtual, null, "outside the served folder");
        }
        return p;
    }

    /** {@code ls -l} lines for a folder's entries, or for one file. */
    String list(String virtual) throws IOException {
        Path p = existing(virtual);
        StringBuilder sb = new StringBuilder();
        if (!Files.isDirectory(p)) {
            line(sb, p, Files.readAttributes(p, BasicFileAttributes.class));
            return sb.toString();
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            ds.forEach(entries::add);
        }
        entries.sort(null);
        for (Path e : entries) {
            line(sb, e, Files.readAttributes(e, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        }
        return sb.toString();
    }

    /** Names only, one per line ({@code NLST}). */
    String names(String virtual) throws IOException {
        Path p = existing(virtual);
        if (!Files.isDirectory(p)) {
            return p.getFileName() + "\r\n";
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            ds.forEach(e -> names.add(e.getFileName().toString()));
        }
        names.sort(null);
        StringBuilder sb = new StringBuilder();
        names.forEach(n -> sb.append(n).append("\r\n"));
        return sb.toString();
    }

    private static void line(StringBuilder sb, Path p, BasicFileAttributes a) {
        char type = a.isDirectory() ? 'd' : a.isSymbolicLink() ? 'l' : '-';
        sb.append(type).append(a.isDirectory() ? "rwxr-xr-x" : "rw-r--r--").append(" 1 ftp ftp ")
                .append(String.format(Locale.ROOT, "%12d ", a.size()))
                .append(LIST_TIME.format(a.lastModifiedTime().toInstant())).append(' ')
                .append(p.getFileName()).append("\r\n");
    }

    /** A regular file's size ({@code SIZE}). */
    long size(String virtual) throws IOException {
        Path p = existing(virtual);
        if (!Files.isRegularFile(p)) {
            throw new IOException(virtual + " is not a plain file");
        }
        return Files.size(p);
    }

    /** A file's modification time as {@code MDTM} gives it (RFC 3659 section 2.3, UTC). */
    String modified(String virtual) throws IOException {
        return MDTM.format(Files.getLastModifiedTime(existing(virtual)).toInstant());
    }

    boolean isFolder(String virtual) throws IOException {
        return Files.isDirectory(existing(virtual));
    }

    /** A regular file to read. */
    Path readable(String virtual) throws IOException {
        Path p = existing(virtual);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new IOException(virtual + " is not a readable plain file");
        }
        return p;
    }
}
