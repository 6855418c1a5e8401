package io.rollgate.server.notify;

/**
 * Where an incident was delivered to a tracker: for the incident API's {@code links}.
 *
 * @param state {@code creating} (a create was sent, its answer not yet known) or {@code created}
 * @param externalId the issue number (GitHub), iid (GitLab) or key (Jira); null while creating
 * @param url the web page; null while creating
 */
public record ExternalLink(String sink, String type, String state, String externalId, String url) {}
