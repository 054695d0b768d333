package org.nettytls.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The mails smtp-server delivered into its maildir, each checked against the SHA-256 its sender
 * put in a header, then deleted so a long soak does not fill the disk.
 */
final class Mails {
    static final String DIGEST_HEADER = "X-Soak-Sha256: ";

    private final Path maildir;
    private long checked;
    private long corrupt;
    private String firstCorrupt;

    Mails(Path maildir) {
        this.maildir = maildir;
    }

    /** Checks and deletes every complete mail delivered so far (the server renames a mail into place when it is whole). */
    synchronized void checkDelivered() throws IOException {
        if (!Files.isDirectory(maildir)) {
            return;
        }
        try (DirectoryStream<Path> mails = Files.newDirectoryStream(maildir, "*.eml")) {
            for (Path mail : mails) {
                check(mail, Files.readString(mail, StandardCharsets.US_ASCII));
                Files.delete(mail);
            }
        }
    }

    private void check(Path file, String mail) {
        checked++;
        int h = mail.indexOf(DIGEST_HEADER);
        int blank = mail.indexOf("\r\n\r\n");
        if (h < 0 || blank < 0 || !mail.contains("X-TLS: true")) {
            fail(file, "no digest header, no body or not over TLS");
            return;
        }
        String expected = mail.substring(h + DIGEST_HEADER.length(), mail.indexOf("\r\n", h));
        byte[] body = mail.substring(blank + 4).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(HexFormat.of().parseHex(expected), Scenarios.sha256(body))) {
            fail(file, "the body's SHA-256 is not the one its sender wrote");
        }
    }

    private void fail(Path file, String why) {
        corrupt++;
        if (firstCorrupt == null) {
            firstCorrupt = file.getFileName() + ": " + why;
        }
    }

    synchronized long checked() {
        return checked;
    }

    synchronized long corrupt() {
        return corrupt;
    }

    synchronized String firstCorrupt() {
        return firstCorrupt;
    }
}
