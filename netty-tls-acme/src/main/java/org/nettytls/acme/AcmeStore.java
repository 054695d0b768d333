package org.nettytls.acme;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.cert.Pem;

/**
 * The state directory: {@code account.key} and {@code NAME/KEYTYPE.pem} (the chain, then its
 * private key). Every file is written to a new temporary file beside it, forced to disk, and
 * renamed over the old one, so a reader (a reload, a restart) finds the old file or the new one,
 * never a part; a failed write removes its temporary file and leaves the old file alone.
 */
final class AcmeStore {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Path dir;

    AcmeStore(Path dir) throws TlsException {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TlsException(TlsErrorCode.WRITE_FAILED, "cannot create the ACME state directory " + dir + ": " + describe(e), e);
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new TlsException(TlsErrorCode.WRITE_FAILED, "the ACME state directory " + dir + " is not a writable directory");
        }
    }

    Path accountKeyFile() {
        return dir.resolve("account.key");
    }

    Path certificateFile(String name, AcmeKeyType type) {
        return dir.resolve(name).resolve(type.id() + ".pem");
    }

    /**
     * The account key: read, or made and written when there is none; {@code created[0]} says
     * which. Stored as the PKCS#8 private key followed by its public key, PEM.
     */
    KeyPair accountKey(boolean[] created) throws TlsException {
        Path f = accountKeyFile();
        String text;
        try {
            text = Files.readString(f, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            KeyPair kp;
            try {
                kp = AcmeKeyType.ECDSA_P256.generate();
            } catch (java.security.GeneralSecurityException ex) {
                throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot make an account key: " + ex.getMessage(), ex);
            }
            write(f, Pem.privateKey(kp.getPrivate()) + Pem.encode("PUBLIC KEY", kp.getPublic().getEncoded()));
            created[0] = true;
            return kp;
        } catch (IOException | RuntimeException e) {
            throw TlsException.badInput(f.toString(), "cannot read the ACME account key: " + describe(e), e);
        }
        try {
            java.security.KeyFactory kf = java.security.KeyFactory.getInstance("EC");
            PrivateKey priv = kf.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(block(text, "PRIVATE KEY")));
            java.security.PublicKey pub = kf.generatePublic(new java.security.spec.X509EncodedKeySpec(block(text, "PUBLIC KEY")));
            java.security.Signature sign = java.security.Signature.getInstance("SHA256withECDSA");
            sign.initSign(priv);
            sign.update(new byte[] {1});
            byte[] sig = sign.sign();
            sign.initVerify(pub);
            sign.update(new byte[] {1});
            if (!sign.verify(sig)) {
                throw new IOException("its public key does not belong to its private key");
            }
            return new KeyPair(pub, priv);
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            throw TlsException.badInput(f.toString(), "is not a usable ACME account key (an EC PRIVATE KEY and its PUBLIC KEY,"
                    + " PEM, as netty-tls writes them): " + describe(e) + "; restore it from a backup, or move it away to"
                    + " register a new account (certificates already issued stay valid)", e);
        }
    }

    private static byte[] block(String text, String label) throws IOException {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int b = text.indexOf(begin);
        int e = b < 0 ? -1 : text.indexOf(end, b);
        if (e < 0) {
            throw new IOException("no " + label + " block");
        }
        try {
            return java.util.Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException x) {
            throw new IOException("the " + label + " block is not base64: " + x.getMessage());
        }
    }

    /** The certificate for {@code name} of {@code type} as stored, or {@code null} when there is none. */
    KeyMaterial load(String name, AcmeKeyType type) throws TlsException {
        Path f = certificateFile(name, type);
        if (!Files.exists(f)) {
            return null;
        }
        return CertificateLoader.keyMaterial(f, null, null);
    }

    /** Writes {@code chain} and {@code key} for {@code name} of {@code type}, atomically; returns the file. */
    Path store(String name, AcmeKeyType type, List<X509Certificate> chain, PrivateKey key) throws TlsException {
        Path f = certificateFile(name, type);
        try {
            Files.createDirectories(f.getParent());
        } catch (IOException e) {
            throw new TlsException(TlsErrorCode.WRITE_FAILED, "cannot create " + f.getParent() + ": " + describe(e), e);
        }
        write(f, Pem.certificates(chain) + Pem.privateKey(key));
        return f;
    }

    /** Replaces {@code file} with {@code text} atomically, readable by the owner only. */
    static void write(Path file, String text) throws TlsException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + HexFormat.of().toHexDigits(RANDOM.nextInt()));
        FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        try {
            try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), ownerOnly)) {
                ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // The write failed already; the temporary file is never read.
            }
            throw new TlsException(TlsErrorCode.WRITE_FAILED, "cannot write " + file + ": " + describe(e)
                    + "; nothing was replaced", e);
        }
        try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            // The rename itself must survive a crash: sync the directory (best effort where unsupported).
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Not every file system lets a directory be synced; the file itself is on disk.
        }
    }

    private static String describe(Exception e) {
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name appeared meanwhile";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
