import { formatHostPort } from '../../lib/host-port.js';
import { allowListRegex } from '../../security/allow-list.js';
import type { AppInformation, WebUIConfiguration } from '../../shapes/wire-types.js';
import type { Api, RouteModule } from '../api.js';

/** `host:port` of the first SMTP listener (IPv6 hosts in brackets), or '' before start or without one. */
function smtpAddress(api: Api): string {
  const smtp = api.listeners?.().find((l) => l.name === 'smtp');
  if (!smtp) return '';
  return formatHostPort(smtp);
}

export const infoRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/info', (c) => {
    const stats = api.store.stats();
    const tags = Object.fromEntries(api.tags.counts());
    return c.json({
      Version: api.version,
      LatestVersion: 'disabled',
      Database: 'memory',
      DatabaseSize: stats.bytes,
      Messages: stats.messages,
      Unread: stats.unread,
      Tags: tags,
      RuntimeStats: {
        Uptime: Math.floor((api.clock().getTime() - api.startedAt.getTime()) / 1000),
        Memory: process.memoryUsage().rss,
        MessagesDeleted: api.metrics.deleted,
        SMTPAccepted: api.metrics.accepted,
        SMTPAcceptedSize: api.metrics.acceptedBytes,
        SMTPRejected: api.metrics.activity.rejections('smtp'),
        SMTPIgnored: 0,
      },
    } satisfies AppInformation);
  });

  app.get('/api/v1/webui', (c) => {
    const smarthost = api.config.releaseSmarthost;
    const enabled = smarthost !== null || api.config.releaseMx;
    return c.json({
      Label: api.config.label,
      MessageRelay: {
        Enabled: enabled,
        SMTPServer: smarthost ? `${smarthost.host}:${smarthost.port}` : api.config.releaseMx ? 'MX' : '',
        ReturnPath: api.config.releaseSender,
        AllowedRecipients: allowListRegex(api.config.releaseAllow),
        BlockedRecipients: '',
        OverrideFrom: api.config.releaseOverrideFrom,
        PreserveMessageIDs: !api.config.releaseNewMessageId,
        RecipientAllowlist: allowListRegex(api.config.releaseAllow),
      },
      SpamAssassin: api.spam !== undefined,
      ChaosEnabled: api.chaos !== undefined,
      DuplicatesIgnored: false,
      HideDeleteAllButton: false,
      // A Letterbox addition: where an app should send its mail, for the empty inbox.
      SMTPAddress: smtpAddress(api),
      Inbox: api.inbox ?? '',
    } satisfies WebUIConfiguration);
  });
};
