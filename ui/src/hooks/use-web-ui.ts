import { useEffect, useState } from 'preact/hooks';
import { getWebUi } from '../api.js';
import { NO_WEBUI, type WebUi } from '../types.js';

/** The server's `/api/v1/webui` answer (label, release, spam check, SMTP address); the defaults until it comes, or if it fails. */
export function useWebUi(): WebUi {
  const [ui, setUi] = useState<WebUi>(NO_WEBUI);
  useEffect(() => {
    getWebUi().then(setUi, () => undefined);
  }, []);
  return ui;
}
