/**
 * Server session ticket keys ({@code SSL_ticket_keycb}): a key ({@link org.nettytls.session.TicketKey}),
 * where a server's keys come from ({@link org.nettytls.session.TicketKeySource}, which a fleet can
 * share through a store), and a source that rotates in memory ({@link org.nettytls.session.TicketKeyRing}).
 * The client's session cache is {@link org.nettytls.ClientSessionCache}.
 */
package org.nettytls.session;
