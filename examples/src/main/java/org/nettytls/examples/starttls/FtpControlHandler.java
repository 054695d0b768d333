package org.nettytls.examples.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.starttls.StartTlsCompletionEvent;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StopTlsCompletionEvent;
import org.nettytls.starttls.StopTlsHandler;

/**
 * One FTP control connection. Commands run one at a time in the order they came; a command that
 * needs the file system or a data connection holds the ones behind it until it has answered.
 * Logging in needs TLS first ({@code AUTH TLS}); {@code AUTH TLS} forgets the login and the
 * protection level, as RFC 4217 section 4 asks. Sits behind a {@link StartTlsHandler} and a
 * line decoder, on the event loop; file work goes to {@link FtpServer#files()}.
 */
final class FtpControlHandler extends ChannelInboundHandlerAdapter {
    /** How long the client has to send its close_notify first after CCC's 200 before the server sends its own. */
    private static final Duration CCC_PEER_FIRST = Duration.ofMillis(500);

    private final FtpServer server;
    private final StartTlsHandler starttls;
    private ChannelHandlerContext ctx;
    private final Deque<String> queue = new ArrayDeque<>();
    private boolean busy;
    private String user;
    private boolean loggedIn;
    private boolean pbsz;
    private boolean protP;
    private String cwd = "/";
    private long rest;
    private FtpDataConnection data;
    // The control connection's own context (FtpServer#controlContext), set by the lookup of AUTH TLS.
    private volatile TlsServerContext ownTls;

    FtpControlHandler(FtpServer server, StartTlsHandler starttls) {
        this.server = server;
        this.starttls = starttls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        reply("220 netty-tls FTP server ready (AUTH TLS required)");
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (data != null) {
            data.close();
            data = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == StartTlsCompletionEvent.SUCCESS) {
            user = null;
            loggedIn = false;
            pbsz = false;
            protP = false;
            server.log("control connection " + ctx.channel().remoteAddress() + ": TLS on, " + describe(ctx.pipeline().get(SslHandler.class)));
        } else if (evt == StopTlsCompletionEvent.SUCCESS) {
            server.log("control connection " + ctx.channel().remoteAddress() + ": plaintext again after CCC");
        } else if (evt instanceof StopTlsCompletionEvent) {
            server.log("control connection " + ctx.channel().remoteAddress() + ": CCC failed: " + ((StopTlsCompletionEvent) evt).cause().getMessage());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        String line = LineFrames.text(msg);
        queue.add(line);
        runQueued();
    }

    private void runQueued() {
        while (!busy && !queue.isEmpty() && ctx.channel().isActive()) {
            command(queue.poll());
        }
    }

    /** Ends the command that made this handler busy and goes on with the queued ones. */
    private void done() {
        busy = false;
        runQueued();
    }

    private void command(String line) {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1);
        switch (verb) {
            case "AUTH":
                auth(arg);
                return;
            case "USER":
                if (!starttls.isTls()) {
                    reply("530 Non-anonymous sessions must use encryption: AUTH TLS first");
                } else {
                    user = arg;
                    loggedIn = false;
                    reply("331 Please specify the password");
                }
                return;
            case "PASS":
                if (user == null) {
                    reply("503 Login with USER first");
                } else if (server.login(user, arg)) {
                    loggedIn = true;
                    reply("230 Login successful");
                } else {
                    user = null;
                    reply("530 Login incorrect");
                }
                return;
            case "PBSZ":
                if (!starttls.isTls()) {
                    reply("503 PBSZ needs a protected control connection (AUTH TLS)");
                } else {
                    pbsz = true;
                    reply("200 PBSZ=0");
                }
                return;
            case "PROT":
                prot(arg.toUpperCase(Locale.ROOT));
                return;
            case "FEAT":
                reply("211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n CCC\r\n EPSV\r\n PASV\r\n SIZE\r\n MDTM\r\n REST STREAM\r\n UTF8\r\n211 End");
                return;
            case "SYST":
                reply("215 UNIX Type: L8");
                return;
            case "NOOP":
                reply("200 NOOP ok");
                return;
            case "OPTS":
                reply(arg.toUpperCase(Locale.ROOT).startsWith("UTF8") ? "200 Always in UTF8 mode" : "501 Option not understood");
                return;
            case "QUIT":
                ctx.writeAndFlush(ascii("221 Goodbye\r\n")).addListener(f -> ctx.close());
                return;
            default:
                break;
        }
        if (!loggedIn) {
            reply("530 Please login with USER and PASS");
            return;
        }
        switch (verb) {
            case "CCC":
                ccc();
                break;
            case "TYPE":
                String t = arg.toUpperCase(Locale.ROOT);
                // Files go as they are in either type, as vsftpd does by default.
                reply(t.startsWith("A") || t.startsWith("I") || t.startsWith("L") ? "200 Type set to " + t : "504 Type not supported");
                break;
            case "MODE":
            case "STRU":
                reply(arg.equalsIgnoreCase("S") || arg.equalsIgnoreCase("F") ? "200 OK" : "504 Only stream mode and file structure");
                break;
            case "ALLO":
                reply("202 No storage allocation necessary");
                break;
            case "PWD":
            case "XPWD":
                reply("257 \"" + cwd.replace("\"", "\"\"") + "\" is the current directory");
                break;
            case "CWD":
            case "XCWD":
                cwd(arg);
                break;
            case "CDUP":
            case "XCUP":
                cwd("..");
                break;
            case "SIZE": {
                String v = FtpPaths.virtual(cwd, arg);
                answerFromFiles(() -> server.paths().size(v), (size, e) -> reply(e == null ? "213 " + size : "550 Could not get file size"));
                break;
            }
            case "MDTM": {
                String v = FtpPaths.virtual(cwd, arg);
                answerFromFiles(() -> server.paths().modified(v), (time, e) -> reply(e == null ? "213 " + time : "550 Could not get file modification time"));
                break;
            }
            case "REST":
                try {
                    rest = Long.parseLong(arg.trim());
                    if (rest < 0) {
                        throw new NumberFormatException(arg);
                    }
                    reply("350 Restart position accepted (" + rest + ")");
                } catch (NumberFormatException e) {
                    rest = 0;
                    reply("501 REST needs a byte offset");
                }
                break;
            case "PASV":
            case "EPSV":
                passive(verb, arg);
                break;
            case "PORT":
            case "EPRT":
                reply("502 Active mode is not supported: use PASV or EPSV");
                break;
            case "LIST":
            case "NLST":
            case "RETR":
            case "STOR":
                transfer(verb, arg);
                break;
            case "ABOR":
                reply("225 No transfer to abort");
                break;
            default:
                reply("502 Command not implemented");
                break;
        }
    }

    private void auth(String arg) {
        String mech = arg.toUpperCase(Locale.ROOT);
        if (!mech.equals("TLS") && !mech.equals("TLS-C") && !mech.equals("SSL")) {
            reply("504 Unknown AUTH type: use AUTH TLS");
        } else if (starttls.isTls()) {
            reply("503 TLS is already on");
        } else if (!queue.isEmpty()) {
            // Commands that came behind AUTH TLS in plaintext must never be taken as if sent over TLS.
            server.log("control connection " + ctx.channel().remoteAddress() + ": commands behind AUTH TLS in plaintext; closed");
            ctx.close();
        } else {
            starttls.startServer(name -> server.controlContext(name).thenApply(own -> {
                ownTls = own;
                return own;
            }), SniSelectorOptions.DEFAULTS, ascii("234 Proceed with negotiation\r\n"));
        }
    }

    private void prot(String level) {
        if (ownTls == null) {
            reply("503 PROT needs a protected control connection (AUTH TLS)");
        } else if (!pbsz) {
            reply("503 PBSZ first");
        } else if (level.equals("P")) {
            protP = true;
            reply("200 PROT now Private");
        } else if (level.equals("C")) {
            if (server.allowClearData()) {
                protP = false;
                reply("200 PROT now Clear");
            } else {
                reply("534 Data connections must be protected (PROT P)");
            }
        } else {
            reply("504 PROT " + level + " not supported");
        }
    }

    private void ccc() {
        if (!starttls.isTls()) {
            reply("533 The control connection is not protected");
            return;
        }
        // The 200 goes over TLS; writes after it wait and go in plaintext after the downgrade.
        reply("200 Control connection in plaintext from here");
        // lftp and curl's active mode close first; curl's passive mode waits for us, then goes on in plaintext.
        starttls.stopTls(StopTlsHandler.Mode.PEER_FIRST, CCC_PEER_FIRST);
    }

    private void cwd(String arg) {
        String v = FtpPaths.virtual(cwd, arg);
        answerFromFiles(() -> server.paths().isFolder(v), (folder, e) -> {
            if (e == null && folder) {
                cwd = v;
                reply("250 Directory successfully changed");
            } else {
                reply("550 Failed to change directory");
            }
        });
    }

    private void passive(String verb, String arg) {
        if (verb.equals("EPSV") && arg.equalsIgnoreCase("ALL")) {
            reply("200 EPSV ALL ok");
            return;
        }
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        if (verb.equals("PASV") && !(local.getAddress() instanceof Inet4Address)) {
            reply("425 PASV needs IPv4: use EPSV");
            return;
        }
        if (!protP && !server.allowClearData()) {
            reply("522 Data connections must be protected: PBSZ 0 and PROT P first");
            return;
        }
        if (data != null) {
            data.close();
            data = null;
        }
        busy = true;
        FtpDataConnection.open(ctx.channel(), server, protP ? ownTls : null).addListener((Future<FtpDataConnection> f) -> {
            if (!f.isSuccess()) {
                reply("425 Cannot open a data port: " + f.cause().getMessage());
            } else if (!ctx.channel().isActive()) {
                f.getNow().close();
            } else {
                data = f.getNow();
                int port = data.port();
                if (verb.equals("EPSV")) {
                    reply("229 Entering Extended Passive Mode (|||" + port + "|)");
                } else {
                    byte[] a = local.getAddress().getAddress();
                    reply("227 Entering Passive Mode (" + (a[0] & 0xff) + "," + (a[1] & 0xff) + "," + (a[2] & 0xff) + ","
                            + (a[3] & 0xff) + "," + (port >> 8) + "," + (port & 0xff) + ")");
                }
            }
            done();
        });
    }

    private void transfer(String verb, String arg) {
        if (data == null) {
            reply("425 Use PASV or EPSV first");
            return;
        }
        FtpDataConnection d = data;
        data = null;
        long offset = rest;
        rest = 0;
        String path = arg;
        if (verb.equals("LIST") || verb.equals("NLST")) {
            // "LIST -la" and friends: options are not paths.
            while (path.startsWith("-")) {
                int sp = path.indexOf(' ');
                path = sp < 0 ? "" : path.substring(sp + 1);
            }
        }
        String v = FtpPaths.virtual(cwd, path);
        switch (verb) {
            case "RETR":
                onFiles(() -> {
                    Path file = server.paths().readable(v);
                    long length = Files.size(file);
                    return new ChunkedNioFile(FileChannel.open(file, StandardOpenOption.READ), Math.min(offset, length),
                            Math.max(0, length - offset), 64 * 1024);
                }, (chunks, e) -> {
                    if (e != null) {
                        d.close();
                        reply("550 Failed to open file");
                        done();
                    } else {
                        send(d, chunks, "150 Opening BINARY mode data connection for " + v + " (" + chunks.endOffset() + " bytes)");
                    }
                });
                break;
            case "STOR":
                if (offset != 0) {
                    d.close();
                    reply("554 REST is not supported for STOR");
                    return;
                }
                onFiles(() -> new Upload(server.paths().writable(v)), (upload, e) -> {
                    if (e != null) {
                        d.close();
                        reply("553 Could not create file");
                        done();
                    } else {
                        receive(d, upload, v);
                    }
                });
                break;
            default:
                boolean names = verb.equals("NLST");
                onFiles(() -> names ? server.paths().names(v) : server.paths().list(v), (text, e) -> {
                    if (e != null) {
                        d.close();
                        reply("550 Failed to list " + v);
                        done();
                    } else {
                        send(d, ascii(text), "150 Here comes the directory listing");
                    }
                });
                break;
        }
    }

    /** Sends {@code content} (a ByteBuf or ChunkedInput) on the data connection, closes it, and answers. */
    private void send(FtpDataConnection d, Object content, String opening) {
        busy = true;
        reply(opening);
        d.connection().addListener((Future<Channel> c) -> {
            if (!c.isSuccess()) {
                release(content);
                reply("425 " + c.cause().getMessage());
                done();
                return;
            }
            d.sendAndClose(content, server.files()).addListener((Future<Boolean> sent) -> {
                reply(sent.getNow() ? "226 Transfer complete" : "426 Connection closed; transfer aborted");
                done();
            });
        });
    }

    private static void release(Object content) {
        if (content instanceof ByteBuf) {
            ((ByteBuf) content).release();
        } else if (content instanceof ChunkedNioFile) {
            try {
                ((ChunkedNioFile) content).close();
            } catch (Exception e) {
                // Nothing more to do with a file we will not send.
            }
        }
    }

    /** Takes a file from the data connection: written to a temporary file, moved in place only when complete. */
    private void receive(FtpDataConnection d, Upload upload, String v) {
        busy = true;
        reply("150 Ok to send data for " + v);
        d.connection().addListener((Future<Channel> c) -> {
            if (!c.isSuccess()) {
                upload.executor.execute(upload::abandon);
                reply("425 " + c.cause().getMessage());
                done();
                return;
            }
            d.receive(buf -> upload.executor.execute(() -> upload.write(buf)), () -> {
                boolean clean = d.closedCleanly();
                // On the upload's own executor, behind every write.
                answerFromFiles(upload.executor, () -> upload.finish(clean), (ok, e) -> {
                    if (e != null) {
                        reply("451 Could not store the file: " + e.getMessage());
                    } else if (!ok) {
                        reply("426 The data connection ended without TLS close_notify: upload discarded as possibly truncated");
                    } else {
                        reply("226 Transfer complete");
                    }
                });
            });
        });
    }

    /** A file being uploaded; every method runs on {@link #executor}, one after the other. */
    private final class Upload {
        final EventExecutor executor = server.files().next();
        final Path target;
        final Path part;
        final FileChannel out;
        IOException failure;

        Upload(Path target) throws IOException {
            this.target = target;
            this.part = Files.createTempFile(target.getParent(), ".upload-", ".part");
            this.out = FileChannel.open(part, StandardOpenOption.WRITE);
        }

        void write(ByteBuf buf) {
            try {
                if (failure == null) {
                    while (buf.isReadable()) {
                        buf.readBytes(out, buf.readableBytes());
                    }
                }
            } catch (IOException e) {
                failure = e;
            } finally {
                buf.release();
            }
        }

        boolean finish(boolean complete) throws IOException {
            try {
                out.close();
                if (failure != null) {
                    throw failure;
                }
                if (!complete) {
                    return false;
                }
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } finally {
                Files.deleteIfExists(part);
            }
        }

        void abandon() {
            try {
                out.close();
                Files.deleteIfExists(part);
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    /** Runs {@code work} on the file executor and {@code then} back on the event loop; the commands behind wait until {@link #done}. */
    private <T> void onFiles(Callable<T> work, BiConsumer<T, Throwable> then) {
        onFiles(server.files().next(), work, then);
    }

    private <T> void onFiles(EventExecutor executor, Callable<T> work, BiConsumer<T, Throwable> then) {
        busy = true;
        executor.submit(work).addListener((Future<T> f) -> ctx.executor().execute(
                () -> then.accept(f.isSuccess() ? f.getNow() : null, f.cause())));
    }

    /** {@link #onFiles} for a command that ends with the reply {@code then} gives. */
    private <T> void answerFromFiles(Callable<T> work, BiConsumer<T, Throwable> then) {
        answerFromFiles(server.files().next(), work, then);
    }

    private <T> void answerFromFiles(EventExecutor executor, Callable<T> work, BiConsumer<T, Throwable> then) {
        onFiles(executor, work, (r, e) -> {
            then.accept(r, e);
            done();
        });
    }

    private static String describe(SslHandler ssl) {
        try {
            TlsConnectionInfo info = TlsConnectionInfo.of(ssl);
            return info.sslVersion() + ", " + info.cipher() + (info.servername() == null ? "" : ", name " + info.servername());
        } catch (TlsException e) {
            return e.getMessage();
        }
    }

    private void reply(String text) {
        ctx.writeAndFlush(ascii(text + "\r\n"));
    }

    private ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
