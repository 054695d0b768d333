/**
 * STARTTLS and STOPTLS on a live channel: {@link org.nettytls.starttls.StartTlsHandler}
 * ({@code start_SSL}) upgrades at a protocol's upgrade point and {@link org.nettytls.starttls.StopTlsHandler}
 * ({@code stop_SSL}) goes back to plaintext; {@link org.nettytls.starttls.StartTlsClient} and
 * {@link org.nettytls.starttls.StartTlsServer} drive the upgrade for a
 * {@link org.nettytls.starttls.StartTlsProtocol} (SMTP, IMAP, POP3, FTP, XMPP, LDAP, PostgreSQL,
 * ManageSieve, NNTP, or one of the application's). Outcomes are
 * {@link org.nettytls.starttls.StartTlsEvent}s.
 */
package org.nettytls.starttls;
